module github.com/org/gotl

go 1.26.8
