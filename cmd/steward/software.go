package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/paging"
)

// scriptFlags take a script's text, or @FILE to read it from a file.
func scriptFlags(names ...string) []cli.Flag {
	flags := make([]cli.Flag, 0, len(names)+3)
	for _, n := range names {
		flags = append(flags, &cli.StringFlag{Name: n + "-script",
			Usage: "the " + n + " script's text, or @FILE"})
	}
	return append(flags,
		&cli.StringFlag{Name: "language", Value: "sh",
			Usage: "language of the scripts given: sh, bash, powershell or cmd"},
		&cli.StringFlag{Name: "context", Value: "system", Usage: "system or user"},
		&cli.IntFlag{Name: "timeout", Value: catalog.DefaultTimeoutSeconds,
			Usage: "seconds each script may run"})
}

func listFlags() []cli.Flag {
	return append(remoteFlags(),
		&cli.StringFlag{Name: "query", Aliases: []string{"q"}, Usage: "name contains"},
		&cli.StringFlag{Name: "tenant", Usage: "only items owned by this tenant"},
		&cli.IntFlag{Name: "page", Value: 1},
		&cli.IntFlag{Name: "page-size", Value: paging.DefaultSize})
}

func softwareCommand() *cli.Command {
	return &cli.Command{
		Name:  "software",
		Usage: "list and manage the software catalog on a running hub",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list software", Flags: listFlags(), Action: listSoftware},
			{Name: "get", Usage: "show a software with its versions", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: getSoftware},
			{
				Name: "create", Usage: "create a software", ArgsUsage: "NAME",
				Description: "Scripts given as text are stored as catalog scripts named " +
					"after the software. Example:\n\n" +
					`  steward software create "Hello Steward" --detect-name hello-steward \` +
					"\n" + `    --install-script 'dpkg -i "$InstallerFile"' \` + "\n" +
					`    --uninstall-script 'dpkg -r hello-steward'`,
				Flags: append(append(remoteFlags(),
					&cli.StringFlag{Name: "tenant", Usage: "owner tenant (MSP roles; " +
						"default: the MSP, or a tenant role's own tenant)"},
					&cli.StringFlag{Name: "publisher"},
					&cli.StringFlag{Name: "description"},
					&cli.StringFlag{Name: "detect-name",
						Usage: "find the software by this display name"},
					&cli.StringFlag{Name: "match", Value: catalog.MatchExact,
						Usage: "how --detect-name matches: exact, contains, wildcard or regex"},
					&cli.StringFlag{Name: "detect-upgrade-code",
						Usage: "find the software by this MSI upgrade code"},
					&cli.StringFlag{Name: "detect-script",
						Usage: "find the software with this script (text or @FILE); it " +
							"prints the installed version, or nothing"},
					&cli.StringFlag{Name: "upgrade-strategy", Value: catalog.UpgradeInstallOver,
						Usage: "install_over, uninstall_then_install or upgrade_script"},
					&cli.BoolFlag{Name: "reboot", Usage: "installing needs a restart"}),
					scriptFlags("install", "uninstall", "upgrade", "repair", "test")...),
				Action: createSoftware,
			},
			{Name: "delete", Usage: "delete a software with its versions", ArgsUsage: "ID",
				Flags: remoteFlags(), Action: deleteSoftware},
			{
				Name:  "versions",
				Usage: "add and remove versions of a software",
				Commands: []*cli.Command{
					{
						Name: "add", ArgsUsage: "SOFTWARE-ID",
						Usage: "add a version, uploading its installer with --file",
						Flags: append(append(remoteFlags(),
							&cli.StringFlag{Name: "version", Required: true},
							&cli.StringFlag{Name: "file", Usage: "installer to upload"},
							&cli.StringFlag{Name: "url",
								Usage: "download the installer from here instead " +
									"(needs --sha256)"},
							&cli.StringFlag{Name: "sha256", Usage: "SHA-256 of the --url file"},
							&cli.BoolFlag{Name: "reboot", Usage: "installing needs a restart"}),
							scriptFlags("install", "uninstall", "upgrade", "repair", "test")...),
						Action: addVersion,
					},
					{Name: "delete", ArgsUsage: "SOFTWARE-ID VERSION-ID",
						Usage: "delete a version", Flags: remoteFlags(), Action: deleteVersion},
				},
			},
		},
	}
}

// scriptArg returns a flag's script reference: nil when unset, the text or file inline.
func scriptArg(cmd *cli.Command, flag string) (*catalog.ScriptRef, error) {
	v := cmd.String(flag)
	if v == "" {
		return nil, nil
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		v = string(b)
	}
	return &catalog.ScriptRef{Inline: &catalog.InlineScript{Language: cmd.String("language"),
		Context: cmd.String("context"), TimeoutSeconds: int(cmd.Int("timeout")), Body: v}}, nil
}

// lifecycleArgs reads the --install-script … --test-script flags.
func lifecycleArgs(cmd *cli.Command) (catalog.ScriptRefs, error) {
	var refs catalog.ScriptRefs
	for _, f := range []struct {
		flag string
		dst  **catalog.ScriptRef
	}{{"install-script", &refs.Install}, {"uninstall-script", &refs.Uninstall},
		{"upgrade-script", &refs.Upgrade}, {"repair-script", &refs.Repair},
		{"test-script", &refs.Test}} {
		ref, err := scriptArg(cmd, f.flag)
		if err != nil {
			return refs, err
		}
		*f.dst = ref
	}
	return refs, nil
}

func owner(global bool, tenantID string) string {
	switch {
	case global:
		return "global"
	case tenantID == "":
		return "msp"
	default:
		return tenantID
	}
}

var softwareHeader = []string{"ID", "NAME", "OWNER", "DETECTION", "LATEST", "VERSIONS"}

func softwareRows(items ...catalog.Software) [][]string {
	rows := make([][]string, 0, len(items))
	for _, sw := range items {
		detect := sw.Detection.Method
		if sw.Detection.Pattern != "" {
			detect += " " + sw.Detection.Match + " " + strconv.Quote(sw.Detection.Pattern)
		}
		latest := ""
		if v, ok := catalog.Latest(sw); ok {
			latest = v.Version
		}
		rows = append(rows, []string{sw.ID, sw.Name, owner(sw.Global, sw.TenantID),
			strings.TrimSpace(detect), latest, strconv.Itoa(len(sw.Versions))})
	}
	return rows
}

func listQuery(cmd *cli.Command) string {
	q := url.Values{}
	q.Set("page", strconv.Itoa(int(cmd.Int("page"))))
	q.Set("pageSize", strconv.Itoa(int(cmd.Int("page-size"))))
	if s := cmd.String("query"); s != "" {
		q.Set("q", s)
	}
	if s := cmd.String("tenant"); s != "" {
		q.Set("tenantId", s)
	}
	return q.Encode()
}

func listSoftware(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var page paging.Page[catalog.Software]
	if err := c.Do(ctx, http.MethodGet, "/software?"+listQuery(cmd), nil, &page); err != nil {
		return err
	}
	if err := output(cmd, page, softwareHeader, softwareRows(page.Items...)); err != nil {
		return err
	}
	if !cmd.Bool("json") && page.Total > len(page.Items) {
		fmt.Printf("(page %d, %d of %d software)\n", page.Page, len(page.Items), page.Total)
	}
	return nil
}

func getSoftware(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "software get ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var sw catalog.Software
	if err := c.Do(ctx, http.MethodGet, "/software/"+id, nil, &sw); err != nil {
		return err
	}
	if cmd.Bool("json") {
		return output(cmd, sw, nil, nil)
	}
	if err := table(os.Stdout, softwareHeader, softwareRows(sw)); err != nil {
		return err
	}
	if len(sw.Versions) == 0 {
		return nil
	}
	fmt.Println()
	return table(os.Stdout, versionHeader, versionRows(sw.Versions...))
}

var versionHeader = []string{"VERSION ID", "VERSION", "INSTALLER", "SIZE", "SHA256"}

func versionRows(vs ...catalog.Version) [][]string {
	rows := make([][]string, 0, len(vs))
	for _, v := range vs {
		row := []string{v.ID, v.Version, "", "", ""}
		if in := v.Installer; in != nil {
			row[2], row[3], row[4] = in.Name, strconv.FormatInt(in.Size, 10), in.SHA256
		}
		rows = append(rows, row)
	}
	return rows
}

func createSoftware(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return errors.New("usage: steward software create NAME --detect-name PATTERN " +
			"[--install-script TEXT]")
	}
	name, reboot := cmd.Args().First(), cmd.Bool("reboot")
	in := catalog.SoftwareInput{TenantID: cmd.String("tenant"), Name: &name,
		RebootNeeded: &reboot}
	for flag, dst := range map[string]**string{"publisher": &in.Publisher,
		"description": &in.Description, "upgrade-strategy": &in.UpgradeStrategy} {
		if v := cmd.String(flag); v != "" {
			*dst = &v
		}
	}
	d, err := detectionArgs(cmd)
	if err != nil {
		return err
	}
	in.Detection = d
	refs, err := lifecycleArgs(cmd)
	if err != nil {
		return err
	}
	in.Scripts = &refs

	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var sw catalog.Software
	if err := c.Do(ctx, http.MethodPost, "/software", in, &sw); err != nil {
		return err
	}
	return output(cmd, sw, softwareHeader, softwareRows(sw))
}

// detectionArgs reads exactly one of --detect-name, --detect-upgrade-code, --detect-script.
func detectionArgs(cmd *cli.Command) (*catalog.DetectionInput, error) {
	var d []*catalog.DetectionInput
	if v := cmd.String("detect-name"); v != "" {
		d = append(d, &catalog.DetectionInput{Method: catalog.DetectDisplayName,
			Match: cmd.String("match"), Pattern: v})
	}
	if v := cmd.String("detect-upgrade-code"); v != "" {
		d = append(d, &catalog.DetectionInput{Method: catalog.DetectUpgradeCode, Pattern: v})
	}
	ref, err := scriptArg(cmd, "detect-script")
	if err != nil {
		return nil, err
	}
	if ref != nil {
		d = append(d, &catalog.DetectionInput{Method: catalog.DetectScript, ScriptID: ref})
	}
	if len(d) != 1 {
		return nil, errors.New("say how to find the software with one of --detect-name, " +
			"--detect-upgrade-code or --detect-script")
	}
	return d[0], nil
}

func deleteSoftware(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "software delete ID")
	if err != nil {
		return err
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, "/software/"+id, nil, nil)
}

func addVersion(ctx context.Context, cmd *cli.Command) error {
	id, err := oneArg(cmd, "software versions add SOFTWARE-ID --version V [--file F]")
	if err != nil {
		return err
	}
	refs, err := lifecycleArgs(cmd)
	if err != nil {
		return err
	}
	in := catalog.VersionInput{Version: cmd.String("version"), Scripts: refs,
		RebootNeeded: cmd.Bool("reboot")}
	c, err := remote(cmd)
	if err != nil {
		return err
	}

	file, link := cmd.String("file"), cmd.String("url")
	switch {
	case file != "" && link != "":
		return errors.New("give the installer with --file or --url, not both")
	case file != "":
		b, err := uploadFile(ctx, cmd, file)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "uploaded %s (%d bytes, sha256 %s)\n", file, b.Size, b.SHA256)
		in.Installer = &catalog.Installer{SHA256: b.SHA256, Name: filepath.Base(file)}
	case link != "":
		in.Installer = &catalog.Installer{SHA256: cmd.String("sha256"), URL: link}
	}

	var v catalog.Version
	if err := c.Do(ctx, http.MethodPost, "/software/"+id+"/versions", in, &v); err != nil {
		return err
	}
	return output(cmd, v, versionHeader, versionRows(v))
}

// uploadFile streams a file to PUT /api/v1/blobs and checks the hash the hub reports
// against the one computed while sending.
func uploadFile(ctx context.Context, cmd *cli.Command, path string) (catalog.Blob, error) {
	f, err := os.Open(path)
	if err != nil {
		return catalog.Blob{}, fmt.Errorf("open installer: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return catalog.Blob{}, fmt.Errorf("open installer: %w", err)
	}
	h := sha256.New()
	u := strings.TrimRight(cmd.String("server"), "/") + "/api/v1/blobs?name=" +
		url.QueryEscape(filepath.Base(path))
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, io.TeeReader(f, h))
	if err != nil {
		return catalog.Blob{}, fmt.Errorf("build upload: %w", err)
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+cmd.String("token"))
	// No client timeout: a large installer over a slow line takes as long as it takes.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return catalog.Blob{}, fmt.Errorf("upload %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return catalog.Blob{}, uploadError(resp)
	}
	var b catalog.Blob
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		return catalog.Blob{}, fmt.Errorf("decode upload response: %w", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != b.SHA256 {
		return catalog.Blob{}, fmt.Errorf("the hub stored sha256 %s but the file sent has %s",
			b.SHA256, sum)
	}
	return b, nil
}

func uploadError(resp *http.Response) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
	if err != nil || e.Error.Code == "" {
		return fmt.Errorf("upload failed: %s", resp.Status)
	}
	return &client.Error{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
}

func deleteVersion(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 2 {
		return errors.New("usage: steward software versions delete SOFTWARE-ID VERSION-ID")
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	path := "/software/" + url.PathEscape(cmd.Args().Get(0)) + "/versions/" +
		url.PathEscape(cmd.Args().Get(1))
	return c.Do(ctx, http.MethodDelete, path, nil, nil)
}

func tasksCommand() *cli.Command {
	return &cli.Command{
		Name:  "tasks",
		Usage: "list and create maintenance tasks on a running hub",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list tasks", Flags: listFlags(), Action: listTasks},
			{
				Name: "create", ArgsUsage: "NAME",
				Usage: "create a task from one combined script (--script, which receives " +
					"$Method get, set or test) or separate scripts (at least --test-script)",
				Flags: append(append(remoteFlags(),
					&cli.StringFlag{Name: "tenant", Usage: "owner tenant (MSP roles)"},
					&cli.StringFlag{Name: "description"},
					&cli.StringFlag{Name: "script",
						Usage: "the combined script's text, or @FILE"},
					&cli.StringSliceFlag{Name: "param", Usage: "NAME[:TYPE][:required]" +
						"[=DEFAULT], repeatable; TYPE is text, number, boolean, password or " +
						"select(A|B|C)"}),
					scriptFlags("get", "set", "test")...),
				Action: createTask,
			},
		},
	}
}

func listTasks(ctx context.Context, cmd *cli.Command) error {
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var page paging.Page[catalog.Task]
	if err := c.Do(ctx, http.MethodGet, "/tasks?"+listQuery(cmd), nil, &page); err != nil {
		return err
	}
	return output(cmd, page, taskHeader, taskRows(page.Items...))
}

var taskHeader = []string{"ID", "NAME", "OWNER", "SCRIPTS", "PARAMETERS"}

func taskRows(items ...catalog.Task) [][]string {
	rows := make([][]string, 0, len(items))
	for _, t := range items {
		scripts := "combined"
		if t.Combined == "" {
			var have []string
			for _, m := range []string{"get", "set", "test"} {
				if t.Has(m) {
					have = append(have, m)
				}
			}
			scripts = strings.Join(have, ",")
		}
		var params []string
		for _, p := range t.Parameters {
			params = append(params, p.Name)
		}
		rows = append(rows, []string{t.ID, t.Name, owner(t.Global, t.TenantID), scripts,
			strings.Join(params, ",")})
	}
	return rows
}

func createTask(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return errors.New("usage: steward tasks create NAME (--script TEXT | " +
			"--test-script TEXT [--get-script TEXT] [--set-script TEXT])")
	}
	name := cmd.Args().First()
	in := catalog.TaskInput{TenantID: cmd.String("tenant"), Name: &name}
	if d := cmd.String("description"); d != "" {
		in.Description = &d
	}
	for flag, dst := range map[string]**catalog.ScriptRef{"script": &in.Combined,
		"get-script": &in.GetScript, "set-script": &in.SetScript,
		"test-script": &in.TestScript} {
		ref, err := scriptArg(cmd, flag)
		if err != nil {
			return err
		}
		*dst = ref
	}
	for _, spec := range cmd.StringSlice("param") {
		p, err := parseParam(spec)
		if err != nil {
			return err
		}
		in.Parameters = append(in.Parameters, p)
	}
	c, err := remote(cmd)
	if err != nil {
		return err
	}
	var t catalog.Task
	if err := c.Do(ctx, http.MethodPost, "/tasks", in, &t); err != nil {
		return err
	}
	return output(cmd, t, taskHeader, taskRows(t))
}

// parseParam reads NAME[:TYPE][:required][=DEFAULT], with TYPE select(A|B) for options.
func parseParam(spec string) (catalog.Parameter, error) {
	head, def, hasDefault := strings.Cut(spec, "=")
	parts := strings.Split(head, ":")
	p := catalog.Parameter{Name: strings.TrimSpace(parts[0]), Type: catalog.ParamText}
	if hasDefault {
		p.Default = def
	}
	for _, part := range parts[1:] {
		part = strings.TrimSpace(part)
		switch {
		case part == "required":
			p.Required = true
		case strings.HasPrefix(part, "select(") && strings.HasSuffix(part, ")"):
			p.Type = catalog.ParamSelect
			p.Options = strings.Split(strings.TrimSuffix(strings.TrimPrefix(part, "select("),
				")"), "|")
		case part != "":
			p.Type = part
		}
	}
	if p.Name == "" {
		return p, fmt.Errorf("--param %q: the name is missing", spec)
	}
	return p, nil
}
