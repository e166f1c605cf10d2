/* Internal: cgroup v2 device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * devices-bpf.c turns the OCI rules into instructions and into the text kept beside the program
 * (no kernel needed: the unit tests run the instructions in a small interpreter);
 * res-devices-bpf.c loads, attaches, replaces and reads them back. */
#pragma once

#include "config-internal.h"

#include <linux/bpf.h>

#include <cgfs/resources.h>

#include "resources-private.h"

/* The name of the programs and maps libcgfs attaches (BPF_OBJ_NAME_LEN includes the NUL). */
#define CGFS_DEVICES_BPF_NAME "cgfs_devices"
/* The first line of the rules' text. */
#define CGFS_DEVICES_TEXT_HEADER "cgfs devices 1\n"

/* The program of @rules (CgfsDeviceRule, in the order given), a GArray of struct bpf_insn.
 *
 * Semantics (those of runc and crun, made exact for partial access): a request is one or more
 * access bits (r, w, m) on one device; for each bit the LAST rule that matches the device and
 * lists that bit decides, and a bit that no rule matches is denied. The request is allowed when
 * every bit is. A rule without type (or type 'a') matches every device, a rule without major or
 * minor every major or minor.
 *
 * @map_fd, when >= 0, is a map the program refers to (and so keeps alive) without using it:
 * it carries the rules' text for reading back. E2BIG when the rules need a jump longer than
 * BPF can encode. */
GArray *cgfs_devices_bpf_generate(const GArray *rules, int map_fd, GError **error);

/* Whether @rules allow every access to every device: then no program is needed. */
gboolean cgfs_devices_allow_all(const GArray *rules);

/* The rules as text, CGFS_DEVICES_TEXT_HEADER then "allow c 1:5 rwm" or "deny a *:* rwm" per
 * rule, in order, type and access spelled out ('a', "rwm" when absent; access in r, w, m
 * order). */
char *cgfs_devices_rules_to_text(const GArray *rules);
/* The rules of such a text; EBADMSG naming the line when it is not one. */
GArray *cgfs_devices_rules_from_text(const char *text, GError **error);

/* res-devices-bpf.c, called by res-devices.c on v2. Plan the program of @rules (CgfsDeviceRule)
 * for @p's cgroup: built and loaded now, attached when the plan runs, replacing the device
 * programs attached to the cgroup; nothing when the cgroup already has these rules. */
gboolean cgfs_res_devices_plan_v2(CgfsPlan *p, const GArray *rules, GError **error);
/* Append the rules of the cgroup's device program to out->devices: "allow a" when it has none,
 * nothing when they cannot be known (programs libcgfs did not make, no permission). */
void cgfs_res_devices_read_v2(CgfsCgroup *cg, CgfsResources *out);
/* Journal recovery (journal.c) of a plan whose device step may have been cut short by a crash:
 * @dir the cgroup's directory, @old the ids of the device programs attached when the plan was
 * made. 0: those are still the programs attached (the step never started: the old devices are
 * in place); 1: the step had started, and is completed now (old programs still attached are
 * detached: the new device rules are in place; the step runs last in its plan, so every file
 * write of the plan had been made); -1 with @error (ENOENT: the cgroup is gone). */
int cgfs_res_devices_recover_v2(const char *dir, const guint32 *old, guint n, GError **error);

