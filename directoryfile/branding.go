package directoryfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// A tenant's branding in the file:
//
//	settings:
//	  branding:
//	    display_name: Things Portal
//	    primary_color: "#1d4ed8"
//	    logo: logos/acme.png
//
// The logo is the path of an image file relative to the directory file's
// folder: an operator keeps the images beside the file, in the same
// repository, and reviews a change of one as a change of a file, not of a
// base64 blob. The path must stay inside that folder (os.Root enforces it,
// symbolic links included).

// hexComment is what a colour written without quotes leaves behind: YAML
// reads "#1d4ed8" after a space as a comment.
var hexComment = regexp.MustCompile(`^#[0-9a-fA-F]{3,8}\b`)

// branding decodes a tenant's branding into dst, reading the logo's file;
// a null is the zero branding, which inherits everything. The rules are
// package directory's (Branding.Validate), which Apply asks again when it
// stores the settings; asking here, field by field, lets each problem
// name its own line.
func (p *parser) branding(where string, n *yaml.Node, dst *directory.Branding) bool {
	*dst = directory.Branding{}
	if isNull(resolve(n)) {
		return true
	}
	var logo string
	e, ok := p.mapping(where, n, []field{
		{key: "display_name", decode: str(&dst.DisplayName)},
		{key: "primary_color", decode: str(&dst.PrimaryColor)},
		{key: "logo", decode: str(&logo)},
	})
	if !ok {
		return false
	}
	if c := unquotedColor(resolve(n)); c != "" && dst.PrimaryColor == "" {
		p.add(e.pos("primary_color"), join(where, "primary_color"),
			fmt.Sprintf("is empty: write the colour in quotes, %q, since YAML reads # after a space as the start of a comment", c))
		e.bad["primary_color"] = true
	}
	*dst = directory.NormalizeBranding(*dst)
	for _, f := range []struct {
		key string
		b   directory.Branding
	}{
		{"display_name", directory.Branding{DisplayName: dst.DisplayName}},
		{"primary_color", directory.Branding{PrimaryColor: dst.PrimaryColor}},
	} {
		if err := f.b.Validate(); err != nil && !e.bad[f.key] {
			fe, _ := asFieldError(err)
			p.add(e.pos(f.key), join(where, f.key), fe.Reason)
			e.bad[f.key] = true
		}
	}
	if logo != "" && !e.bad["logo"] {
		l, err := p.readLogo(logo)
		if err != nil {
			p.add(e.pos("logo"), join(where, "logo"), err.Error())
			e.bad["logo"] = true
		}
		dst.Logo = l
	}
	return len(e.bad) == 0
}

// unquotedColor returns the colour an unquoted primary_color left in a
// comment, or "".
func unquotedColor(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != "primary_color" || !isNull(v) {
			continue
		}
		for _, c := range []string{k.LineComment, v.LineComment} {
			if m := hexComment.FindString(c); m != "" {
				return m
			}
		}
	}
	return ""
}

// readLogo reads the logo at name, a slash-separated path relative to the
// directory file's folder, and checks that it is an image a logo may be.
func (p *parser) readLogo(name string) (directory.Logo, error) {
	if path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return directory.Logo{}, fmt.Errorf("%q: must be a path relative to the directory file's folder, such as logos/acme.png", name)
	}
	data, err := p.readFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return directory.Logo{}, fmt.Errorf("%q: no such file in %s (paths are relative to the directory file's folder)", name, p.folder)
	case err != nil && strings.Contains(name, ".."):
		return directory.Logo{}, fmt.Errorf("%q: must be inside the directory file's folder", name)
	case err != nil:
		return directory.Logo{}, fmt.Errorf("%q: %v", name, err)
	}
	l, err := directory.ParseLogo(data)
	if err != nil {
		fe, _ := asFieldError(err)
		return directory.Logo{}, fmt.Errorf("%q %s", name, fe.Reason)
	}
	return l, nil
}

// readFile reads name, at most one byte past the largest logo, from the
// directory file's folder, which it opens on first use.
func (p *parser) readFile(name string) ([]byte, error) {
	if p.root == nil {
		r, err := os.OpenRoot(p.folder)
		if err != nil {
			return nil, err
		}
		p.root = r
	}
	f, err := p.root.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, errors.New("is not a file")
	}
	return io.ReadAll(io.LimitReader(f, directory.MaxLogoBytes+1))
}
