// containerd-apply CGROUP < resources.json: apply an OCI LinuxResources document to the v1
// cgroup CGROUP (a path in the hierarchies, "/cgfs-test-…") with containerd/cgroups, the Go
// package cgfs is compared with (tests/peer/peer-containerd.sh). Exit 1 when it refuses.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/containerd/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: containerd-apply CGROUP < resources.json")
		os.Exit(2)
	}
	var r specs.LinuxResources
	if err := json.NewDecoder(os.Stdin).Decode(&r); err != nil {
		fmt.Fprintln(os.Stderr, "decode:", err)
		os.Exit(1)
	}
	cg, err := cgroups.Load(cgroups.V1, cgroups.StaticPath(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if err := cg.Update(&r); err != nil {
		fmt.Fprintln(os.Stderr, "update:", err)
		os.Exit(1)
	}
}
