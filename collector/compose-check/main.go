// Command compose-check loads a Compose file the way `docker compose` does (compose-go's loader,
// schema validation, interpolation, normalization and consistency checks on, paths resolved
// relative to the first file's directory) and prints the names of the project's services, one a
// line, sorted. On any problem it prints the loader's error to stderr and exits 1.
//
//	compose-check [--profile NAME]... [FILE]...
//
// With no FILE it finds compose.yaml / docker-compose.yml the way docker compose does (COMPOSE_FILE,
// then the current directory and its parents). By default every profile is enabled ("*"), so
// services behind a profile are validated and listed too; --profile selects profiles instead.
//
// Beyond what compose-go checks, it fails on a bind mount whose relative source does not exist
// (see checkBindSources).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

type profileFlags []string

func (p *profileFlags) String() string     { return strings.Join(*p, ",") }
func (p *profileFlags) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var profiles profileFlags
	flags := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	flags.Var(&profiles, "profile", "profile to enable (repeatable; default: all profiles)")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--profile NAME]... [FILE]...")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if len(profiles) == 0 {
		profiles = profileFlags{"*"}
	}

	names, err := check(context.Background(), flags.Args(), profiles)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
	for _, name := range names {
		fmt.Println(name)
	}
}

func load(ctx context.Context, files []string, profiles []string, resolvePaths bool) (*types.Project, error) {
	// The same option chain docker compose (cmd/compose ProjectOptions.ToProjectOptions) uses.
	opts, err := cli.NewProjectOptions(files,
		cli.WithOsEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(resolvePaths),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(ctx)
}

func check(ctx context.Context, files []string, profiles []string) ([]string, error) {
	project, err := load(ctx, files, profiles, true)
	if err != nil {
		return nil, err
	}
	if err := checkBindSources(ctx, files, profiles, project); err != nil {
		return nil, err
	}
	names := project.ServiceNames()
	sort.Strings(names)
	return names, nil
}

// checkBindSources fails on a `type: bind` volume (short syntax `./src:/dst` included) whose source
// is a relative path that does not exist. compose-go does not check this, and docker itself does not
// fail either: for the short syntax (create_host_path: true) the engine creates an empty directory in
// the missing file's place, so a mistyped config file path silently becomes an empty directory
// mounted where the service expects its config.
//
// Only sources written as relative paths are checked (an absolute host path such as
// /var/run/docker.sock belongs to the host that runs compose, not to this checkout). To tell them
// apart the file is loaded a second time with paths left unresolved; relative sources are taken
// relative to the project's working directory (the first file's directory), which is what compose
// does for a single file.
func checkBindSources(ctx context.Context, files []string, profiles []string, resolved *types.Project) error {
	raw, err := load(ctx, files, profiles, false)
	if err != nil {
		return err
	}
	var problems []string
	for _, name := range raw.ServiceNames() {
		svc := raw.Services[name]
		for _, vol := range svc.Volumes {
			if vol.Type != types.VolumeTypeBind || vol.Source == "" {
				continue
			}
			src := vol.Source
			if filepath.IsAbs(src) || strings.HasPrefix(src, "~") {
				continue
			}
			abs := filepath.Join(resolved.WorkingDir, src)
			if _, err := os.Stat(abs); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					problems = append(problems, fmt.Sprintf(
						"services.%s.volumes: bind mount source %q (%s) does not exist", name, src, abs))
				} else {
					problems = append(problems, fmt.Sprintf(
						"services.%s.volumes: bind mount source %q: %v", name, src, err))
				}
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
