module github.com/kindling-dev/kindling

go 1.26.0

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/pin/tftp/v3 v3.1.0
	github.com/vincent-petithory/dataurl v1.0.0
	github.com/vmware/vmw-guestinfo v0.0.0-20220317130741-510905f0efa3
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.50.0
)

require golang.org/x/net v0.0.0-20200202094626-16171245cfb2 // indirect
