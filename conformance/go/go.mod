module github.com/weft-dev/weft/conformance/go

go 1.24

require github.com/weft-dev/weft/sdk/go v0.0.0

replace github.com/weft-dev/weft/sdk/go => ../../sdk/go
