/* sim_int.h - internals shared by sim.c (generation, API) and sim_fleet.c (construction).
 * Not a public header: only the sim's own .c files include it. */
#ifndef VG_SIM_INT_H
#define VG_SIM_INT_H

#include <stdint.h>

#include "common/arena.h"
#include "common/hash.h"
#include "sim/sim.h"

#define MIN_MS 60000LL
#define DAY_MS 86400000LL
#define GOLDEN 0x9e3779b97f4a7c15ULL
#define WRAP 9007199254740992.0   /* 2^53 */
#define INIT_CAP 281474976710656.0 /* 2^48 */
#define FLOW_PERIOD_MS (15 * MIN_MS)
#define MAINT_END_MIN 300          /* maintenance window 00:00-05:00 */
#define N_AMF 2
#define N_SMF 2
#define N_UPF 2
#define N_PE 4
#define CSR_IFS 4
#define PE_IFS 8
#define MAX_LABELS 2
#define MARKET_CELLS 10000.0 /* cells a UPF pair serves (the simulated ones are a sample) */

enum { R_GNB, R_CSR, R_AMF, R_SMF, R_UPF, R_PE, R__COUNT };
enum { P_RES, P_BUS, P__COUNT };
enum { SH_ONE, SH_COMMUTE, SH_TEMP, SH__COUNT };
enum { X_LOAD, X_LOAD2, X_ONE, X_INV, X_MIX }; /* x = L, L^2, 1, 1 / (1 + 3 L), (L + L^2) / 2 */
typedef enum {
    G_CONST,   /* value a */
    G_STATE,   /* constant state string */
    G_GAUGE,   /* level * (1 + sigma z) + sd z, clamped, quantised */
    G_STICKY,  /* a * (1 + sigma z), redrawn with probability sd per step, else unchanged */
    G_COUNTER, /* += Poisson(level * (1 + sigma z)) */
    G_SUCC,    /* += ref.inc - Poisson(ref.inc * (1 - a) * congestion) */
    G_SCALED,  /* += round(ref.inc * a * (1 + sigma z)) */
    G_PLUS,    /* += ref.inc + Poisson(level) */
    G_ATLEAST  /* gauge: max(ref.last, ref.last * a * (1 + sigma z)) */
} gen_t;

#define SIM_NTP_SERVER "10.250.0.1"

typedef struct {
    vg_point_t pt;                 /* template: only ts_ms, value change per step */
    vg_label_t labels[MAX_LABELS];
    uint64_t key;                  /* counter-based RNG key of this series */
    uint32_t driver;               /* index into the per-step loads */
    int32_t ref;                   /* series this one derives from, or -1 */
    uint8_t gen, xsel, shape;
    double a, b, sigma, sd, lo, hi;
    double qinv;                   /* quantum: value = nearbyint (v * qinv) / qinv */
    double cong;                   /* G_SUCC: cell capacity factor for the congestion term */
    double state[2];               /* running state by step parity (counter total, sticky) */
    double inc, last;              /* this step's increment and value, for derived series */
    const char *state0;            /* G_STATE: the normal state string */
    uint32_t mod;                  /* first incident modifier (index + 1), 0 = none */
} series_t;

typedef struct {
    vg_device_t dev;
    char id[32 + VG_SIM_SITE_PREFIX_MAX], site[16 + VG_SIM_SITE_PREFIX_MAX], mgmt[20];
    size_t id_off; /* id + id_off: the id without the site prefix (what values derive from) */
    uint64_t key;
    uint32_t first, nseries;
    int role, vendor, profile; /* profile -1 for core devices */
    int64_t boot_ms;
    double p_login;            /* login probability per step at the mean hour */
    uint32_t dmod;             /* first device-level incident modifier (index + 1), 0 = none */
} device_t;

struct vg_sim {
    vg_sim_cfg_t cfg;
    uint64_t step;
    device_t *devs;
    size_t ndevs;
    series_t *series;
    size_t nseries, cap;
    vg_arena_t arena;     /* series label values (sim_fleet.c) */
    double *load, *load2, *loadinv; /* per driver: [0] fleet, [1..sites] site, then cells */
    uint64_t *dkey;       /* per driver RNG key */
    int *cell_profile;    /* per cell */
    size_t ncells, ndrivers;
    double daily[P__COUNT][1440];
    double shapes_day[SH__COUNT][1440];
    double login_shape[1440];
    double shape[SH__COUNT]; /* this step's shape values */
    double p_cfg;            /* config change probability per device per step in the window */
    char scratch[4][40];     /* event attribute strings of the current event */
    struct vg_scen *scen;    /* injected incidents (sim_scenario.c), NULL = none */
};

/* ---- randomness ---------------------------------------------------------------------- */

static inline uint64_t
s_rand (uint64_t key, uint64_t step)
{
    return vg_hash_mix64 (key + (step + 1) * GOLDEN);
}

static inline double
s_unit (uint64_t r)
{
    return (double) (r >> 11) * (1.0 / 9007199254740992.0);
}

/* Approximately N(0,1): Irwin-Hall sum of four 16-bit uniforms, rescaled (|z| <= 3.46). */
static inline double
s_normal (uint64_t r)
{
    double sum = (double) (r & 0xffff) + (double) ((r >> 16) & 0xffff) + (double) ((r >> 32) & 0xffff)
                 + (double) (r >> 48);
    return (sum * (1.0 / 65536.0) - 2.0) * 1.7320508075688772;
}

/* Construction (sim_fleet.c): fill the profile tables, then devices, series and driver keys.
 * vg_sim__build returns 0 or -VG_ENOMEM; s->cfg, s->devs, the driver arrays and
 * s->cell_profile must be allocated before. */
void vg_sim__build_profiles (vg_sim_t *s);
int vg_sim__build (vg_sim_t *s);

/* ---- incident injection (sim_scenario.c) ---------------------------------------------- */

/* Modifier operations, applied in s_series_next (series) or vg_sim_step (device). */
enum {
    M_SCALE = 1, /* level *= p */
    M_ADD,       /* level += p */
    M_RAMP,      /* level += p * (steps since from + 1) */
    M_LEVEL,     /* level = p */
    M_FORCE,     /* value = p (running state untouched) */
    M_DOWN,      /* state string "DOWN"-like: p = 0 constant, p = 1 alternate (flap) */
    M_RESET,     /* counter total restarts from 0 at step `from` (reboot) */
    M_SILENT,    /* device: no samples and no events */
    M_SA0        /* device: IPsec SA count reported as 0 */
};

typedef struct {
    uint64_t from, to; /* active for steps from <= k < to */
    double p;
    uint32_t next;     /* next modifier of the same series / device (index + 1), 0 = end */
    uint8_t op;
} smod_t;

/* Build the scenario named by s->cfg.scenario (after vg_sim__build).  Returns 0,
 * -VG_EINVAL for an unknown name or -VG_ENOMEM. */
int vg_sim__scenario_build (vg_sim_t *s);
void vg_sim__scenario_free (vg_sim_t *s);
/* Apply the series' modifiers active at step k to level; may reset the running state
 * (state[cur]); sets *force / *fv when the value is forced.  Returns the new level. */
double vg_sim__modify (vg_sim_t *s, series_t *se, uint64_t k, int cur, double level, int *force, double *fv);
/* Is device d silent at step k? */
int vg_sim__silent (const vg_sim_t *s, const device_t *d, uint64_t k);
/* Emit the injected events of device index di at step k (and scenario-mode periodic
 * state reports).  Returns 0 or the sink's error. */
int vg_sim__inject (vg_sim_t *s, size_t di, uint64_t k, int64_t ts, const vg_sink_t *sink);

#endif
