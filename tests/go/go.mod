module dbtls.test/go

go 1.19
