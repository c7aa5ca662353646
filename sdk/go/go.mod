module github.com/weft-dev/weft/sdk/go

go 1.24
