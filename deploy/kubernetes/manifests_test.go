package kubernetes

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"
)

// The parts of a Job this test reads.
type job struct {
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Suspend        bool   `yaml:"suspend"`
		Template       struct {
			Spec struct {
				ServiceAccountName string `yaml:"serviceAccountName"`
				SecurityContext    struct {
					RunAsNonRoot   bool `yaml:"runAsNonRoot"`
					RunAsUser      int  `yaml:"runAsUser"`
					SeccompProfile struct {
						Type string `yaml:"type"`
					} `yaml:"seccompProfile"`
				} `yaml:"securityContext"`
				Containers []struct {
					Args            []string `yaml:"args"`
					SecurityContext struct {
						AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
						ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
						Capabilities             struct {
							Drop []string `yaml:"drop"`
						} `yaml:"capabilities"`
					} `yaml:"securityContext"`
					Resources struct {
						Requests map[string]string `yaml:"requests"`
						Limits   map[string]string `yaml:"limits"`
					} `yaml:"resources"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []struct {
					Name     string    `yaml:"name"`
					EmptyDir *struct{} `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func readJob(t *testing.T, path string) job {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j job
	if err := yaml.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// TestJobsHardened checks what the schemas allow but the deployment must
// not do: both Jobs run as the service account, non-root, with a read-only
// root, no privilege escalation, no capabilities, the runtime's seccomp
// profile, memory and CPU bounded, and one volume: /tmp on an emptyDir
// (partials, rows and summary go to S3; nothing is shared between pods).
func TestJobsHardened(t *testing.T) {
	for _, f := range []string{"shard-job.yaml", "merge-job.yaml"} {
		s := readJob(t, f).Spec.Template.Spec
		sc := s.SecurityContext
		if s.ServiceAccountName != "trailhunt" || !sc.RunAsNonRoot || sc.RunAsUser == 0 || sc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("%s: pod: service account %q, runAsNonRoot %v, runAsUser %d, seccomp %q", f, s.ServiceAccountName, sc.RunAsNonRoot, sc.RunAsUser, sc.SeccompProfile.Type)
		}
		if len(s.Containers) != 1 {
			t.Fatalf("%s: %d containers, want 1", f, len(s.Containers))
		}
		c := s.Containers[0]
		cs := c.SecurityContext
		if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation || !cs.ReadOnlyRootFilesystem || !reflect.DeepEqual(cs.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("%s: container: allowPrivilegeEscalation %v, readOnlyRootFilesystem %v, drop %q", f, cs.AllowPrivilegeEscalation, cs.ReadOnlyRootFilesystem, cs.Capabilities.Drop)
		}
		for _, m := range []map[string]string{c.Resources.Requests, c.Resources.Limits} {
			if m["cpu"] == "" || m["memory"] == "" {
				t.Errorf("%s: requests %v, limits %v: want cpu and memory in both", f, c.Resources.Requests, c.Resources.Limits)
			}
		}
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		if len(mounts) != 1 || len(s.Volumes) != 1 || s.Volumes[0].Name != mounts["/tmp"] || s.Volumes[0].EmptyDir == nil {
			t.Errorf("%s: mounts %v, %d volumes: want /tmp on an emptyDir alone", f, mounts, len(s.Volumes))
		}
	}
}

// TestShardJob: as many indexes as --shard-count, all at once, the index
// left to JOB_COMPLETION_INDEX, one partial object per index under the
// hunt's S3 prefix; the merge Job waits (suspended), merges that prefix and
// writes its rows and summary under it, where merge reads no partial.
func TestShardJob(t *testing.T) {
	j := readJob(t, "shard-job.yaml").Spec
	args := strings.Join(j.Template.Spec.Containers[0].Args, " ")
	n := regexp.MustCompile(`--shard-count (\d+)`).FindStringSubmatch(args)
	if j.CompletionMode != "Indexed" || j.Completions != 3 || j.Parallelism != 3 || n == nil || n[1] != "3" {
		t.Errorf("shards: completionMode %q, completions %d, parallelism %d, args %q", j.CompletionMode, j.Completions, j.Parallelism, args)
	}
	const prefix = "s3://trailhunt-results/hunt-2026-10/"
	if !strings.HasPrefix(args, "run --partial "+prefix+"shard-$(JOB_COMPLETION_INDEX).thp --shard-count 3 ") || strings.Contains(args, "--shard-index") {
		t.Errorf("shard args %q", args)
	}
	m := readJob(t, "merge-job.yaml").Spec
	margs := strings.Join(m.Template.Spec.Containers[0].Args, " ")
	want := "merge --format ocsf --output " + prefix + "result.ocsf.jsonl --summary " + prefix + "summary.json --region us-east-1 --max-memory 900MiB " + prefix
	if margs != want || !m.Suspend {
		t.Errorf("merge: suspend %v, args %q, want true, %q", m.Suspend, margs, want)
	}
}

// TestMaxMemoryUnderLimit: each Job's --max-memory (what evaluate keeps
// under, spilling result groups to /tmp past half of it) is below its
// container's memory limit, with room for the runtime's own.
func TestMaxMemoryUnderLimit(t *testing.T) {
	for _, f := range []string{"shard-job.yaml", "merge-job.yaml"} {
		c := readJob(t, f).Spec.Template.Spec.Containers[0]
		m := regexp.MustCompile(`--max-memory (\S+)`).FindStringSubmatch(strings.Join(c.Args, " "))
		if m == nil {
			t.Errorf("%s: no --max-memory: the default (256MiB) wastes the pod's memory", f)
			continue
		}
		max, err := humanize.ParseBytes(m[1])
		if err != nil {
			t.Fatal(err)
		}
		limit, err := humanize.ParseBytes(c.Resources.Limits["memory"] + "B")
		if err != nil {
			t.Fatal(err)
		}
		if max >= limit*95/100 {
			t.Errorf("%s: --max-memory %s is not below the limit %s", f, m[1], c.Resources.Limits["memory"])
		}
	}
}
