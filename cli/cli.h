/* cli.h - the vigil command line: each subcommand is one function in its own file. */
#ifndef VG_CLI_H
#define VG_CLI_H

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage error. */
int vg_cmd_query (int argc, char **argv);
int vg_cmd_export (int argc, char **argv);
int vg_cmd_inspect (int argc, char **argv);
int vg_cmd_sim (int argc, char **argv);
int vg_cmd_decode (int argc, char **argv);
int vg_cmd_compact (int argc, char **argv);
int vg_cmd_config_docs (int argc, char **argv);
int vg_cmd_eval (int argc, char **argv);
int vg_cmd_alerts (int argc, char **argv);
int vg_cmd_detect (int argc, char **argv);
int vg_cmd_keygen (int argc, char **argv);
int vg_cmd_timeline (int argc, char **argv);
int vg_cmd_replay (int argc, char **argv);

#endif
