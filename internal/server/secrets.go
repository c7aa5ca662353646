// Secrets of a tenant through the API (write-only values), and the source
// through which a tenant's custom nodes receive that tenant's OAuth tokens
// (oauth/PROVIDER) and nobody else's.

package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/server/db"
)

// maxSecret bounds a secret's value.
const maxSecret = 64 << 10

// Secrets returns the engine's secret source for a server: each tenant's
// secrets in the database.
func Secrets(st db.Store) weft.SecretSource { return secretSource{st} }

type secretSource struct{ st db.Store }

func (s secretSource) OAuthToken(ctx context.Context, tenant, provider string) (string, time.Time, error) {
	sec, err := s.st.GetSecret(ctx, tenant, "oauth/"+provider)
	if errors.Is(err, db.ErrNotFound) {
		return "", time.Time{}, fmt.Errorf("tenant %s has no secret oauth/%s: %w", tenant, provider, weft.ErrSecretNotFound)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return sec.Value, sec.ExpiresAt, nil
}

func (s *Server) putSecret(w http.ResponseWriter, r *http.Request) error {
	name, err := restParam(r)
	if err != nil {
		return err
	}
	if err := secrets.ValidName(name); err != nil {
		return badRequest("secret name: %v", err)
	}
	var req api.PutSecret
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	if req.Value == "" {
		return badRequest("value: expected the secret's value, found an empty string")
	}
	if len(req.Value) > maxSecret {
		return errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "value: at most %d bytes, found %d", maxSecret, len(req.Value))
	}
	sec := &db.Secret{Tenant: caller(r).tenant, Name: name, Value: req.Value, UpdatedAt: nowUTC()}
	if req.ExpiresAt != nil {
		sec.ExpiresAt = req.ExpiresAt.UTC()
	}
	if err := s.st.PutSecret(r.Context(), sec); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func secretJSON(s *db.Secret) api.Secret {
	out := api.Secret{Name: s.Name, UpdatedAt: s.UpdatedAt}
	if !s.ExpiresAt.IsZero() {
		t := s.ExpiresAt
		out.ExpiresAt = &t
	}
	return out
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) error {
	list, err := s.st.ListSecrets(r.Context(), caller(r).tenant)
	if err != nil {
		return err
	}
	out := api.List[api.Secret]{Items: []api.Secret{}}
	for _, sec := range list {
		out.Items = append(out.Items, secretJSON(sec))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) error {
	name, err := restParam(r)
	if err != nil {
		return err
	}
	if err := s.st.DeleteSecret(r.Context(), caller(r).tenant, name); err != nil {
		return storeErr(err, "secret", name)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
