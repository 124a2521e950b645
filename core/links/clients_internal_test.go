package links

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

func TestNameKey(t *testing.T) {
	for name, tc := range map[string]struct{ a, b string }{
		"case":                {"CONTOSO", "contoso"},
		"punctuation":         {"Contoso, Ltd.", "contoso"},
		"two suffixes":        {"Fabrikam Co. Ltd", "Fabrikam"},
		"gmbh":                {"Müller GmbH", "müller"},
		"llc":                 {"Northwind Traders LLC", "Northwind Traders"},
		"inner spaces":        {"North-Wind Traders", "Northwind traders"},
		"only a suffix stays": {"Inc", "inc."},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, nameKey(tc.a), nameKey(tc.b))
		})
	}
	require.NotEqual(t, nameKey("Contoso East"), nameKey("Contoso"),
		"only legal-form words are dropped")
}

func TestMergeClients(t *testing.T) {
	t1, gone := "t1", "t9"
	tenants := []tenant.Tenant{{ID: "t1", Name: "Contoso Inc"}, {ID: "t2", Name: "Fabrikam"},
		{ID: "t3", Name: "fabrikam GmbH"}, {ID: "t4", Name: "Tailspin"}}
	got := mergeClients(
		[]sdk.Client{{ID: "c2", Name: "Fabrikam"}, {ID: "c1", Name: "Contoso"},
			{ID: "c3", Name: "Tailspin Ltd"}, {ID: "c4", Name: "Tailspin Toys"}},
		[]LinkClient{{ClientID: "c1", TenantID: &t1}, {ClientID: "c0", ClientName: "Adatum",
			TenantID: &gone}},
		tenants)
	require.Equal(t, []ClientMapping{
		{ClientID: "c0", Name: "Adatum", TenantID: "t9"},
		{ClientID: "c1", Name: "Contoso", TenantID: "t1", Reported: true},
		// Two tenants match, so none is suggested.
		{ClientID: "c2", Name: "Fabrikam", Reported: true},
		{ClientID: "c3", Name: "Tailspin Ltd", SuggestedTenantID: "t4", Reported: true},
		{ClientID: "c4", Name: "Tailspin Toys", Reported: true},
	}, got)
}
