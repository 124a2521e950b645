// Package connectorv1 is the generated wire code of connector protocol version 1. Only the SDK
// uses it; connectors and the hub see the plain Go types of package sdk.
//
// Regenerate after editing connector.proto with protoc 3.21 or later, protoc-gen-go v1.36.12
// and protoc-gen-go-grpc v1.6.2 on PATH:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
//	go generate ./sdk/internal/proto/connectorv1
//
// then run go test ./sdk -run TestProtocol, which refuses a breaking change.
package connectorv1

//go:generate protoc -I . --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative connector.proto
