// The node catalog of a tenant: the built-in node types with their props
// and docs, and the custom node types of the tenant's current package
// versions, with their pins and scores.

package server

import (
	"net/http"
	"sort"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/nodedoc"
	"github.com/weft-dev/weft/internal/server/db"
)

var childCount = map[bt.Kind]string{bt.Leaf: "none", bt.Decorator: "one", bt.Composite: "many"}

// catalog lists what the tenant's workflows can use.
func (s *Server) catalog(r *http.Request) ([]api.NodeType, error) {
	var out []api.NodeType
	for _, spec := range nodedoc.Sorted(enginex.Registry(s.eng).Specs()) {
		j := nodedoc.JSON(spec)
		t := api.NodeType{Type: j.Type, Kind: j.Kind, Category: j.Category, Description: firstOf(j.Summary, j.Description),
			Children: childCount[spec.Kind], Props: []api.Prop{}}
		for _, p := range j.Props {
			t.Props = append(t.Props, api.Prop{Name: p.Name, Type: p.Type, Required: p.Required, Default: p.Default, Description: p.Description})
		}
		out = append(out, t)
	}
	var custom []api.NodeType
	for _, status := range []string{db.StatusActive, db.StatusDeprecated} {
		pg := db.Page{Limit: db.MaxLimit}
		for {
			list, next, err := s.st.ListPackageVersions(r.Context(), caller(r).tenant, db.PackageFilter{Status: status}, pg)
			if err != nil {
				return nil, err
			}
			for _, v := range list {
				n := customNodeJSON(v)
				for _, t := range n.Nodes {
					if status == db.StatusDeprecated {
						t.Deprecated = firstOf(v.Deprecated, "deprecated")
					}
					custom = append(custom, t)
				}
			}
			if next == "" {
				break
			}
			pg.Cursor = next
		}
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].Type < custom[j].Type })
	return append(out, custom...), nil
}

func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) error {
	all, err := s.catalog(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.List[api.NodeType]{Items: all})
	return nil
}

func (s *Server) getNode(w http.ResponseWriter, r *http.Request) error {
	name, err := restParam(r)
	if err != nil {
		return err
	}
	all, err := s.catalog(r)
	if err != nil {
		return err
	}
	for _, t := range all {
		if t.Type == name {
			writeJSON(w, http.StatusOK, t)
			return nil
		}
	}
	return notFound("node type", name)
}
