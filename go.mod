module github.com/kindling-dev/kindling

go 1.26
