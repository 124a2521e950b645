package sdk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every exported name of the public SDK, in this package and its public subpackages, says
// what it is for: the SDK is read by vendors who never see the hub.
func TestEveryExportedNameHasADocComment(t *testing.T) {
	var missing []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (d.Name() == "internal" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			missing = append(missing, undocumented(t, path)...)
		}
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, missing, "add a doc comment to each of these")
}

func undocumented(t *testing.T, dir string) []string {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var missing []string
	packageDoc := false
	sources := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		sources++
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		if f.Doc != nil {
			packageDoc = true
		}
		report := func(pos token.Pos, what string) {
			missing = append(missing, fset.Position(pos).String()+": "+what)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Doc != nil {
					continue
				}
				if d.Recv == nil {
					report(d.Pos(), "func "+d.Name.Name)
				} else if recv := receiverName(d.Recv); ast.IsExported(recv) {
					report(d.Pos(), "method "+recv+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
							report(s.Pos(), "type "+s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
								report(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
	if sources > 0 && !packageDoc {
		missing = append(missing, dir+": package comment")
	}
	return missing
}

func receiverName(fl *ast.FieldList) string {
	expr := fl.List[0].Type
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	if idx, ok := expr.(*ast.IndexExpr); ok {
		expr = idx.X
	}
	if id, ok := expr.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
