module netrpc/gobgolden

go 1.19
