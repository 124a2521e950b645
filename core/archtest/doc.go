// Package archtest holds the tests that keep the project's shape: the public SDK never
// depends on the hub, the agent stays independent of the hub, the Microsoft Graph SDK is linked
// only into the Entra ID connector, and every package says what it is for.
package archtest
