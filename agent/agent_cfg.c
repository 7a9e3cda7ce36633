/* agent_cfg.c - the option tables of vigil-agent. */
#include "agent/agent_cfg.h"

#include <stddef.h>

#include "common/curve_mode.h"

static const char *const s_speeds[] = { "realtime", "max", "recorded", NULL };

static const vg_cfg_opt_t s_port_opts[] = {
    VG_CFG_OPT ("port", VG_CFG_UINT, vg_input_port_cfg_t, port, 1, 65535, NULL, "destination port in the capture"),
    VG_CFG_OPT ("format", VG_CFG_STR, vg_input_port_cfg_t, format, 0, 64, NULL,
                "decoder for it: jti | udp-notif | mdt-udp (UDP) or mdt-tcp (TCP stream)"),
};

static const vg_cfg_table_t s_port_table = VG_CFG_TABLE ("port", s_port_opts, vg_input_port_cfg_t);

static const vg_cfg_opt_t s_input_opts[] = {
    VG_CFG_OPT ("type", VG_CFG_STR, vg_input_cfg_t, type, 0, 0, NULL,
                "input kind: sim | linux | udp | tcp | pmdir | ves | pcap"),
    VG_CFG_OPT ("seed", VG_CFG_UINT, vg_input_cfg_t, seed, 0, 0, "1", "sim: fleet and noise seed"),
    VG_CFG_OPT ("sites", VG_CFG_UINT, vg_input_cfg_t, sites, 1, 10000, "20", "sim: cell sites (gNB + router each)"),
    VG_CFG_OPT ("cells_per_gnb", VG_CFG_UINT, vg_input_cfg_t, cells_per_gnb, 1, 24, "3", "sim: cells per gNB"),
    VG_CFG_OPT ("scenario", VG_CFG_STR, vg_input_cfg_t, scenario, 0, 64, "",
                "sim: inject a built-in labelled incident scenario (vigil sim --help lists them)"),
    VG_CFG_OPT ("start", VG_CFG_STR, vg_input_cfg_t, start, 0, 0, "-1h",
                "sim: first sample time (RFC 3339, epoch ms, or relative like -1d)"),
    VG_CFG_OPT ("interval", VG_CFG_DURATION, vg_input_cfg_t, interval_ms, 1000, 86400000, "60s",
                "sim: sample interval; linux: poll interval; pmdir: directory scan interval"),
    VG_CFG_OPT ("end", VG_CFG_STR, vg_input_cfg_t, end, 0, 0, "",
                "sim: stop before this time (empty = run forever)"),
    VG_CFG_ENUM_OPT ("speed", vg_input_cfg_t, speed, s_speeds, "realtime",
                     "sim: realtime, or max = as fast as the collector acknowledges (catches up to now, "
                     "then realtime); pcap: realtime/recorded = the capture's own pacing, max = as fast as "
                     "the collector acknowledges"),
    VG_CFG_OPT ("speed_factor", VG_CFG_DOUBLE, vg_input_cfg_t, speed_factor, 1, 1000000, "1",
                "pcap with speed realtime/recorded: replay this many times faster than captured (the "
                "captured pacing divided by it: 1440 = a day in a minute); each pcap input keeps its own clock"),
    VG_CFG_OPT ("proc_root", VG_CFG_STR, vg_input_cfg_t, proc_root, 0, 0, "/proc", "linux: procfs root"),
    VG_CFG_OPT ("device_id", VG_CFG_STR, vg_input_cfg_t, device_id, 0, 0, "", "linux: device id (default hostname)"),
    VG_CFG_OPT ("site", VG_CFG_STR, vg_input_cfg_t, site, 0, 0, "",
                "linux: site of the host; udp/tcp/pmdir/ves/pcap: prefix \"SITE/\" for device ids that have no "
                "site (no '/'); sim: prefix of every site name (\"east-\": east-site001/gnb1, east-core/pe1; at "
                "most 15 bytes, no '/'), so several simulated fleets share a collector"),
    VG_CFG_OPT ("listen", VG_CFG_STR, vg_input_cfg_t, listen, 0, 300, "",
                "udp, tcp, ves: address to listen on, \"HOST:PORT\", \"[V6]:PORT\" or \"PORT\" (= 127.0.0.1:PORT, "
                "loopback only; \"0.0.0.0:PORT\" listens on every IPv4 address)"),
    VG_CFG_OPT ("format", VG_CFG_STR, vg_input_cfg_t, format, 0, 64, "",
                "udp: decoder of each datagram: jti | udp-notif | mdt-udp"),
    VG_CFG_OPT ("rcvbuf", VG_CFG_SIZE, vg_input_cfg_t, rcvbuf, 0, 1 << 30, "4MiB",
                "udp: socket receive buffer (SO_RCVBUFFORCE with CAP_NET_ADMIN, else SO_RCVBUF capped by "
                "net.core.rmem_max; a smaller buffer is logged; 0 = system default)"),
    VG_CFG_OPT ("max_connections", VG_CFG_UINT, vg_input_cfg_t, max_connections, 1, 1024, "64",
                "tcp, ves: concurrent connections; more are refused"),
    VG_CFG_OPT ("max_buffer", VG_CFG_SIZE, vg_input_cfg_t, max_buffer, 1 << 20, 1 << 30, "64MiB",
                "tcp: bytes of partial frames buffered over all connections; the connection that "
                "exceeds it is closed"),
    VG_CFG_OPT ("idle_timeout", VG_CFG_DURATION, vg_input_cfg_t, idle_timeout_ms, 0, 86400000, "10m",
                "tcp: close a connection silent for this long (0 = never)"),
    VG_CFG_OPT ("dir", VG_CFG_STR, vg_input_cfg_t, dir, 0, 0, "", "pmdir: directory watched for 3GPP PM XML files"),
    VG_CFG_OPT ("pattern", VG_CFG_STR, vg_input_cfg_t, pattern, 0, 256, "*.xml",
                "pmdir: file names processed (fnmatch glob; names starting with '.' are skipped)"),
    VG_CFG_OPT ("done_dir", VG_CFG_STR, vg_input_cfg_t, done_dir, 0, 0, "",
                "pmdir: move a file here (same file system) once its data is in the spool; empty = leave "
                "it and log its (name, size, mtime) key in the spool directory, so a restart skips it"),
    VG_CFG_OPT ("max_file_size", VG_CFG_SIZE, vg_input_cfg_t, max_file_size, 1024, 17179869184.0, "1GiB",
                "pmdir: largest PM file decoded (bigger ones are skipped and counted; never more than 64MiB); "
                "pcap: largest capture file replayed (its payloads are held in memory)"),
    VG_CFG_OPT ("once", VG_CFG_BOOL, vg_input_cfg_t, once, 0, 0, "false",
                "pmdir: read the files present (in data-time order), then report done, so "
                "vigil-agent --exit-when-done can finish; false = keep watching"),
    VG_CFG_OPT ("username", VG_CFG_STR, vg_input_cfg_t, username, 0, 256, "",
                "ves: HTTP basic auth user (empty = no authentication)"),
    VG_CFG_SECRET_OPT ("password", vg_input_cfg_t, password, 256, "ves: HTTP basic auth password"),
    VG_CFG_OPT ("tls_cert", VG_CFG_STR, vg_input_cfg_t, tls_cert, 0, 0, "",
                "ves: PEM certificate file (with tls_key: serve HTTPS)"),
    VG_CFG_OPT ("tls_key", VG_CFG_STR, vg_input_cfg_t, tls_key, 0, 0, "", "ves: PEM private key file"),
    VG_CFG_OPT ("max_body", VG_CFG_SIZE, vg_input_cfg_t, max_body, 1024, 16 << 20, "16MiB",
                "ves: largest request body (larger gets 413)"),
    VG_CFG_OPT ("file", VG_CFG_STR, vg_input_cfg_t, file, 0, 0, "", "pcap: capture file (pcap or pcapng) to replay"),
    VG_CFG_LIST_OPT ("ports", vg_input_cfg_t, ports, nports, &s_port_table, 0, 64, "[]",
                     "pcap: port map, a list of {port: N, format: F}; packets to other ports are counted "
                     "as unmapped"),
};

static const vg_cfg_table_t s_input_table = VG_CFG_TABLE ("input", s_input_opts, vg_input_cfg_t);

static const vg_cfg_opt_t s_opts[] = {
    VG_CFG_OPT ("agent.id", VG_CFG_STR, vg_agent_cfg_t, id, 0, 0, NULL, "agent id, unique per deployment"),
    VG_CFG_OPT ("agent.log_level", VG_CFG_STR, vg_agent_cfg_t, log_level, 0, 0, "info", "debug|info|warn|error"),
    VG_CFG_OPT ("agent.metrics_listen", VG_CFG_STR, vg_agent_cfg_t, metrics_listen, 0, 0, "",
                "IPv4 HOST:PORT serving /metrics and /healthz; a bare PORT is 127.0.0.1:PORT (empty = off; "
                "docs/OPERATIONS.md lists the metrics and the health rule)"),
    VG_METRICS_OPTS ("agent", vg_agent_cfg_t, metrics),
    VG_CFG_STRLIST_OPT ("collectors", vg_agent_cfg_t, collectors, ncollectors, 1, 16, NULL,
                        "collector endpoints in failover order, e.g. [tcp://127.0.0.1:5555]"),
    VG_CFG_OPT ("spool.dir", VG_CFG_STR, vg_agent_cfg_t, spool_dir, 0, 0, NULL,
                "directory of unacknowledged batches (survives restarts)"),
    VG_CFG_OPT ("spool.max_bytes", VG_CFG_SIZE, vg_agent_cfg_t, spool_max_bytes, 1 << 20, 1e13, "1GiB",
                "spool bound; beyond it live inputs' new data becomes gap events (replays at speed max pause)"),
    VG_CFG_OPT ("spool.fsync", VG_CFG_BOOL, vg_agent_cfg_t, spool_fsync, 0, 0, "true",
                "fdatasync every spooled batch (survives power loss)"),
    VG_CFG_OPT ("batch.max_samples", VG_CFG_UINT, vg_agent_cfg_t, batch_max_samples, 16, 1 << 20, "65536",
                "samples per batch (the pool grows to it as batches need it, 17 bytes a sample)"),
    VG_CFG_OPT ("batch.max_events", VG_CFG_UINT, vg_agent_cfg_t, batch_max_events, 16, 65536, "4096",
                "events per batch"),
    VG_CFG_OPT ("batch.max_age", VG_CFG_DURATION, vg_agent_cfg_t, batch_max_age_ms, 10, 600000, "1s",
                "send a non-empty batch at least this often"),
    VG_CFG_OPT ("batch.max_series", VG_CFG_UINT, vg_agent_cfg_t, max_series, 1, 1 << 24, "1048576",
                "distinct series the agent tracks"),
    VG_CFG_OPT ("send.window", VG_CFG_UINT, vg_agent_cfg_t, window, 1, 1024, "8",
                "unacknowledged batches in flight (credit)"),
    VG_CFG_OPT ("send.heartbeat", VG_CFG_DURATION, vg_agent_cfg_t, heartbeat_ms, 100, 3600000, "2s",
                "heartbeat interval on an idle link"),
    VG_CFG_OPT ("send.timeout", VG_CFG_DURATION, vg_agent_cfg_t, timeout_ms, 200, 3600000, "6s",
                "silence before failing over to the next collector"),
    VG_CFG_OPT ("send.primary_retry", VG_CFG_DURATION, vg_agent_cfg_t, primary_retry_ms, 1000, 86400000, "60s",
                "while on a backup collector, try the first again this often"),
    VG_CFG_OPT ("send.backoff_base", VG_CFG_DURATION, vg_agent_cfg_t, backoff_base_ms, 10, 60000, "200ms",
                "first step of the backoff after a RETRY or a failover after silence; each further one doubles it "
                "(the wait is drawn from [step/2, step]), a batch acknowledged resets it"),
    VG_CFG_OPT ("send.backoff_max", VG_CFG_DURATION, vg_agent_cfg_t, backoff_max_ms, 10, 3600000, "30s",
                "largest backoff step (the collector's retry_after hint, up to 10 s, is honoured when longer)"),
    VG_CFG_OPT ("curve.server_key", VG_CFG_STR, vg_agent_cfg_t, curve_server_key, 0, 0, "",
                "collector's CURVE public key (Z85, its .pub file); required unless curve.insecure"),
    VG_CFG_OPT ("curve.public_key", VG_CFG_STR, vg_agent_cfg_t, curve_public_key, 0, 0, "",
                "agent's CURVE public key (Z85); empty = derived from curve.secret_key"),
    VG_CFG_SECRET_OPT ("curve.secret_key", vg_agent_cfg_t, curve_secret_key, 0,
                       "agent's CURVE secret key (Z85, from vigil keygen); required unless curve.insecure"),
    VG_CFG_OPT ("curve.insecure", VG_CFG_BOOL, vg_agent_cfg_t, curve_insecure, 0, 0, "false",
                "true = no CURVE: plain TCP, unauthenticated and unencrypted (tests and labs only; warned "
                "at every start); false = curve.server_key and curve.secret_key are required"),
    VG_CFG_LIST_OPT ("inputs", vg_agent_cfg_t, inputs, ninputs, &s_input_table, 1, 64, NULL,
                     "telemetry inputs (list of maps with a type)"),
};

const vg_cfg_table_t vg_agent_cfg_table = VG_CFG_TABLE ("vigil-agent", s_opts, vg_agent_cfg_t);

int
vg_agent_cfg_check (const vg_agent_cfg_t *cfg, char *err, size_t errlen)
{
    const char *const keys[] = { cfg->curve_server_key, cfg->curve_secret_key };
    const char *const names[] = { "curve.server_key", "curve.secret_key" };
    vg_curve_need_t need = { cfg->curve_insecure, keys, names, 2,
                             "Make this agent's key pair with `vigil keygen --out /etc/vigil/agent`, set "
                             "curve.secret_key_file: /etc/vigil/agent.key and curve.server_key: the collector's "
                             "public key (its .pub file), and list this agent's .pub as its public_key under the "
                             "collector's agents" };
    int mode = vg_curve_mode (&need, err, errlen);
    return mode < 0 ? mode : 0;
}
