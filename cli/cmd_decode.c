/* cmd_decode.c - `vigil decode --format FORMAT FILE`: print what a capture or file holds,
 * normalised, as NDJSON (one sample or event per line), with a summary of what decoded and
 * what did not on stderr.  The same decoders and port mapping as the agent's inputs, so
 * its output is what an agent would send for the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "cli/cli_args.h"
#include "cli/cli.h"
#include "common/err.h"
#include "common/file_read.h"
#include "decode/gnmi.h"
#include "decode/huawei_gpb.h"
#include "decode/format.h"
#include "decode/mdt.h"
#include "cli/ndjson_sink.h"
#include "decode/pcap_replay.h"

#define DECODE_MAX_FILE (1024u << 20)   /* files read into memory (pcap is streamed) */
#define DECODE_MAX_PORTS 64
#define DECODE_CHUNK 65536              /* mdt-tcp: bytes per feed, as socket reads */

static void
s_help (FILE *f)
{
    fprintf (f,
             "usage: vigil decode --format FORMAT [options] FILE\n"
             "  Prints every sample and event decoded from FILE as NDJSON on stdout and a summary on\n"
             "  stderr.  Exit status: 0 when something decoded, 1 when nothing did, 2 for usage errors.\n"
             "formats:\n"
             "  jti          one JTI UDP payload (TelemetryStream)\n"
             "  udp-notif    one UDP-notif datagram\n"
             "  mdt-udp      one Cisco MDT UDP datagram (12-byte header + payload)\n"
             "  mdt-tcp      a Cisco MDT TCP dial-out byte stream (12-byte header framing)\n"
             "  mdt-kvgpb    Cisco Telemetry messages (kvGPB or JSON): one, or several with --lengths\n"
             "  huawei-gpb   Huawei Telemetry messages, one base64 line each (binary with --lengths)\n"
             "  gnmi         varint-delimited gNMI SubscribeResponses\n"
             "  3gpp-xml     one 3GPP PM XML file (TS 32.435 / TS 28.532)\n"
             "  ves          one VES 7 JSON body (event or eventList)\n"
             "  pcap         a pcap/pcapng capture; needs --port-map\n"
             "options:\n"
             "  --port-map P=F[,P=F...]  pcap: destination port -> format (jti, udp-notif, mdt-udp: UDP;\n"
             "                           mdt-tcp: TCP), e.g. 10003=udp-notif,40000=jti,10005=mdt-tcp\n"
             "  --lengths L|FILE         message lengths, ':' or ',' separated, or a file holding them\n"
             "                           (a jtimon .testmeta)\n"
             "  --source NAME            ctx source (device id fallback); default: the file name\n");
}

typedef struct {
    vg_fmt_set_t *fs;
    int fmt;
    const vg_sink_t *sink;
    vg_decode_stats_t *st;
} s_port_arg_t;

static int
s_on_packet (void *arg, const vg_pcap_pkt_t *pkt, const uint8_t *data, size_t len)
{
    s_port_arg_t *a = arg;
    vg_decode_ctx_t ctx = { pkt->src, pkt->ts_us / 1000 };
    int rc;
    if (vg_fmt_is_stream (a->fmt))
        rc = vg_fmt_stream (a->fs, a->fmt, pkt->stream_id, pkt->flags, data, len, &ctx, a->sink, a->st);
    else
        rc = vg_fmt_decode (a->fs, a->fmt, data, len, &ctx, a->sink, a->st);
    return rc == -VG_EIO ? rc : 0; /* only a failing stdout stops the replay */
}

/* "10003=udp-notif,40000=jti" -> ports; returns the count or -1 with a message. */
static int
s_parse_port_map (const char *text, vg_pcap_port_t *ports, s_port_arg_t *args, size_t max, s_port_arg_t proto)
{
    char buf[1024];
    if (strlen (text) >= sizeof buf) {
        fprintf (stderr, "vigil decode: --port-map too long\n");
        return -1;
    }
    strcpy (buf, text);
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r (buf, ",", &save); t; t = strtok_r (NULL, ",", &save)) {
        char *eq = strchr (t, '=');
        char *end = NULL;
        unsigned long port = eq ? strtoul (t, &end, 10) : 0;
        int fmt = eq ? vg_fmt_parse (eq + 1) : -1;
        if (!eq || end != eq || port < 1 || port > 65535 || fmt < 0 ||
            (!vg_fmt_is_datagram (fmt) && !vg_fmt_is_stream (fmt)) || (size_t) n >= max) {
            fprintf (stderr, "vigil decode: bad --port-map entry '%s' (want PORT=jti|udp-notif|mdt-udp|mdt-tcp)\n", t);
            return -1;
        }
        for (int j = 0; j < n; j++)
            if (ports[j].port == port) {
                fprintf (stderr, "vigil decode: port %lu mapped twice\n", port);
                return -1;
            }
        args[n] = proto;
        args[n].fmt = fmt;
        ports[n] = (vg_pcap_port_t) { (uint16_t) port, vg_fmt_is_stream (fmt) ? VG_PCAP_PROTO_TCP : VG_PCAP_PROTO_UDP,
                                      s_on_packet, &args[n] };
        n++;
    }
    if (n == 0)
        fprintf (stderr, "vigil decode: --port-map is empty\n");
    return n ? n : -1;
}

static int
s_read_file (const char *path, vg_buf_t *b)
{
    int rc = vg_file_read (path, DECODE_MAX_FILE, b);
    if (rc == -VG_ETOOBIG)
        fprintf (stderr, "vigil decode: %s: larger than %u MiB\n", path, DECODE_MAX_FILE >> 20);
    else if (rc < 0)
        fprintf (stderr, "vigil decode: %s: %s\n", path, rc == -VG_EIO ? strerror (errno) : vg_strerror (rc));
    return rc;
}

/* Message lengths: "61314:61314" / "1,2,3", or a file holding such a list. */
static int
s_parse_lengths (const char *arg, size_t **out, size_t *n)
{
    vg_buf_t text = VG_BUF_INIT;
    FILE *f = fopen (arg, "rb");
    if (f) {
        fclose (f);
        if (s_read_file (arg, &text) < 0 || vg_buf_append (&text, "", 1) < 0) {
            vg_buf_free (&text);
            return -1;
        }
    } else if (vg_buf_append (&text, arg, strlen (arg) + 1) < 0) {
        return -1;
    }
    size_t cap = 16, k = 0;
    size_t *v = malloc (cap * sizeof *v);
    int rc = v ? 0 : -1;
    char *save = NULL;
    for (char *t = strtok_r ((char *) text.data, ":, \t\r\n", &save); t && rc == 0;
         t = strtok_r (NULL, ":, \t\r\n", &save)) {
        char *end;
        unsigned long long x = strtoull (t, &end, 10);
        if (*end || x == 0 || x > DECODE_MAX_FILE) {
            fprintf (stderr, "vigil decode: bad length '%s' in --lengths\n", t);
            rc = -1;
            break;
        }
        if (k == cap) {
            size_t *nv = realloc (v, 2 * cap * sizeof *v);
            if (!nv) {
                rc = -1;
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[k++] = (size_t) x;
    }
    vg_buf_free (&text);
    if (rc == 0 && k == 0) {
        fprintf (stderr, "vigil decode: --lengths lists no length\n");
        rc = -1;
    }
    if (rc < 0) {
        free (v);
        return -1;
    }
    *out = v;
    *n = k;
    return 0;
}

static int
s_b64_val (int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decode base64 (standard or URL alphabet, padding optional) in place; returns the
 * decoded length or -1 for a character outside the alphabet. */
static long
s_b64_decode (char *s, size_t n)
{
    uint8_t *out = (uint8_t *) s;
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = s_b64_val ((unsigned char) s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t) (acc >> bits);
        }
    }
    return (long) k;
}

static void
s_split (const vg_buf_t *b, const size_t *lens, size_t nlens, int fmt, const vg_decode_ctx_t *ctx,
         const vg_sink_t *sink, vg_decode_stats_t *st, vg_fmt_set_t *fs)
{
    size_t off = 0;
    for (size_t i = 0; i < nlens; i++) {
        if (lens[i] > b->len - off) {
            vg_decode_fail (st, -VG_ETRUNC, "message %zu: length %zu runs past the end of the file", i, lens[i]);
            return;
        }
        vg_fmt_decode (fs, fmt, b->data + off, lens[i], ctx, sink, st);
        off += lens[i];
    }
    if (off < b->len)
        vg_decode_fail (st, -VG_EINVAL, "%zu bytes after the last listed message", b->len - off);
}

static void
s_base64_lines (vg_buf_t *b, const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st)
{
    char *p = (char *) b->data, *end = p + b->len;
    size_t line = 0;
    while (p < end) {
        char *nl = memchr (p, '\n', (size_t) (end - p));
        char *le = nl ? nl : end;
        line++;
        size_t n = (size_t) (le - p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n) {
            long k = s_b64_decode (p, n);
            if (k < 0)
                vg_decode_fail (st, -VG_EINVAL, "line %zu: not base64", line);
            else
                vg_huawei_gpb_decode ((const uint8_t *) p, (size_t) k, ctx, sink, st);
        }
        p = nl ? nl + 1 : end;
    }
}

int
vg_cmd_decode (int argc, char **argv)
{
    const char *format = NULL, *port_map = NULL, *lengths = NULL, *source = NULL, *file = NULL;
    const vg_arg_t args[] = {
        { .name = "--format", .type = VG_ARG_STR, .dst = &format },
        { .name = "--port-map", .type = VG_ARG_STR, .dst = &port_map },
        { .name = "--lengths", .type = VG_ARG_STR, .dst = &lengths },
        { .name = "--source", .type = VG_ARG_STR, .dst = &source },
    };
    vg_arg_multi_t files = { 0 };
    int arc = vg_cli_args ("vigil decode", args, sizeof args / sizeof args[0], argc, argv, s_help, &files);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    if (files.n > 1) {
        fprintf (stderr, "vigil decode: one FILE only\n");
        return 2;
    }
    file = files.n ? files.v[0] : NULL;
    if (!format || !file) {
        s_help (stderr);
        return 2;
    }
    bool pcap = !strcmp (format, "pcap");
    int fmt = pcap ? -1 : vg_fmt_parse (format);
    if (!pcap && fmt < 0) {
        fprintf (stderr, "vigil decode: unknown format '%s' (%s | pcap)\n", format, vg_fmt_list ());
        return 2;
    }
    if (pcap != (port_map != NULL)) {
        fprintf (stderr, "vigil decode: --port-map %s\n", pcap ? "is required with --format pcap" : "is for pcap only");
        return 2;
    }
    if (lengths && fmt != VG_FMT_MDT_KVGPB && fmt != VG_FMT_HUAWEI_GPB && fmt != VG_FMT_GNMI) {
        fprintf (stderr, "vigil decode: --lengths is for mdt-kvgpb, huawei-gpb and gnmi\n");
        return 2;
    }
    size_t *lens = NULL, nlens = 0;
    if (lengths && s_parse_lengths (lengths, &lens, &nlens) < 0)
        return 2;

    int status = 1;
    vg_buf_t b = VG_BUF_INIT;
    vg_decode_stats_t st;
    memset (&st, 0, sizeof st);
    vg_pcap_stats_t ps;
    memset (&ps, 0, sizeof ps);
    vg_fmt_set_t *fs = vg_fmt_set_new ();
    vg_ndjson_sink_t *out = vg_ndjson_sink_new (stdout, 0);
    if (!fs || !out) {
        fprintf (stderr, "vigil decode: out of memory\n");
        goto done;
    }
    vg_sink_t sink = vg_ndjson_sink_ops (out);
    const char *base = strrchr (file, '/');
    vg_decode_ctx_t ctx = { source ? source : base ? base + 1 : file, vg_clock_now_ms () };
    if (pcap) {
        vg_pcap_port_t ports[DECODE_MAX_PORTS];
        s_port_arg_t args[DECODE_MAX_PORTS];
        s_port_arg_t proto = { fs, 0, &sink, &st };
        int n = s_parse_port_map (port_map, ports, args, DECODE_MAX_PORTS, proto);
        if (n < 0) {
            status = 2;
            goto done;
        }
        vg_pcap_cfg_t pc = { .ports = ports, .nports = (size_t) n };
        int rc = vg_pcap_replay_file (file, &pc, &ps);
        if (rc != 0) {
            fprintf (stderr, "vigil decode: %s: %s\n", file, ps.last_error[0] ? ps.last_error : vg_strerror (rc));
            goto done;
        }
    } else {
        if (s_read_file (file, &b) < 0)
            goto done;
        if (lens) {
            s_split (&b, lens, nlens, fmt, &ctx, &sink, &st, fs);
        } else if (fmt == VG_FMT_HUAWEI_GPB) {
            s_base64_lines (&b, &ctx, &sink, &st);
        } else if (fmt == VG_FMT_GNMI) {
            vg_gnmi_decode_delimited (b.data, b.len, &ctx, &sink, &st);
        } else if (fmt == VG_FMT_MDT_TCP) {
            for (size_t off = 0; off < b.len; off += DECODE_CHUNK) {
                size_t k = b.len - off < DECODE_CHUNK ? b.len - off : DECODE_CHUNK;
                /* A desynchronised stream ignores the rest (counted once), as a collector closes. */
                vg_fmt_stream (fs, fmt, 1, off ? 0 : VG_PCAP_F_OPEN, b.data + off, k, &ctx, &sink, &st);
            }
            vg_fmt_stream (fs, fmt, 1, VG_PCAP_F_CLOSE, NULL, 0, &ctx, &sink, &st);
        } else {
            vg_fmt_decode (fs, fmt, b.data ? b.data : (const uint8_t *) "", b.len, &ctx, &sink, &st);
        }
    }
    if (fflush (stdout) != 0) {
        fprintf (stderr, "vigil decode: writing stdout failed\n");
        goto done;
    }
    status = st.messages > 0 ? 0 : 1;
done:
    if (pcap && ps.packets)
        fprintf (stderr,
                 "vigil decode: pcap packets=%llu udp=%llu tcp=%llu delivered=%llu unmapped=%llu tcp_streams=%llu "
                 "tcp_gaps=%llu truncated=%llu\n",
                 (unsigned long long) ps.packets, (unsigned long long) ps.udp, (unsigned long long) ps.tcp,
                 (unsigned long long) ps.delivered, (unsigned long long) ps.unmapped,
                 (unsigned long long) ps.tcp_streams, (unsigned long long) ps.tcp_gaps,
                 (unsigned long long) ps.truncated);
    if (status != 2) {
        fprintf (stderr,
                 "vigil decode: %s messages=%llu samples=%llu events=%llu errors=%llu undecoded=%llu lost=%llu "
                 "lines=%llu\n",
                 format, (unsigned long long) st.messages, (unsigned long long) st.samples,
                 (unsigned long long) st.events, (unsigned long long) st.errors, (unsigned long long) st.undecoded,
                 (unsigned long long) st.lost, (unsigned long long) (out ? vg_ndjson_sink_lines (out) : 0));
        if (st.errors)
            fprintf (stderr, "vigil decode: last error: %s\n", st.last_error);
        if (status == 1)
            fprintf (stderr, "vigil decode: nothing decoded\n");
    }
    vg_ndjson_sink_destroy (&out);
    vg_fmt_set_destroy (&fs);
    vg_buf_free (&b);
    free (lens);
    return status;
}
