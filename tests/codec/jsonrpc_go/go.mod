module jsonrpcgolden

go 1.19
