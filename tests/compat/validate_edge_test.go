package compat

import (
	"strings"
	"testing"
)

// validateEdgeCases are hand-written inputs at the edges of the JSON
// decoder and of rules that depend on the version, where generated inputs
// rarely land.
var validateEdgeCases = []validateInput{
	{"empty input", []byte(``)},
	{"whitespace only", []byte(" \n")},
	{"byte order mark", []byte("\xef\xbb\xbf{\"ignition\":{\"version\":\"3.0.0\"}}")},
	{"trailing garbage", []byte(`{"ignition":{"version":"3.0.0"}} x`)},
	{"two documents", []byte(`{"ignition":{"version":"3.0.0"}}{}`)},
	{"top-level array", []byte(`[{"ignition":{"version":"3.0.0"}}]`)},
	{"top-level null", []byte(`null`)},
	{"ignition null", []byte(`{"ignition":null}`)},
	{"version null", []byte(`{"ignition":{"version":null}}`)},
	{"duplicate ignition", []byte(`{"ignition":{"version":"9.0.0"},"ignition":{"version":"3.1.0"}}`)},
	{"duplicate ignition merged", []byte(`{"ignition":{"version":"3.1.0","timeouts":{"httpTotal":1}},"ignition":{"config":{}}}`)},
	{"folded key kelvin", []byte("{\"ignition\":{\"version\":\"3.0.0\"},\"storage\":{\"files\":[{\"path\":\"/a\",\"mode\":420,\"overwrite\":false,\"user\":{\"name\":\"x\"},\"lin\u212a\":1}]}}")},
	{"folded key long s", []byte("{\"ignition\":{\"ver\u017fion\":\"3.0.0\"}}")},
	{"minus zero", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":-0}]}}`)},
	{"float mode", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":420.0}]}}`)},
	{"exponent mode", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":4e2}]}}`)},
	{"huge number", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","mode":99999999999999999999}]}}`)},
	{"huge unused number", []byte(`{"ignition":{"version":"3.0.0"},"x":1e999}`)},
	{"escaped nul in path", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a\u0000"}]}}`)},
	{"lone surrogate", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a\ud800"}]}}`)},
	{"deep unused value", []byte(`{"ignition":{"version":"3.0.0"},"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`)},
	{"deep but allowed", []byte(`{"ignition":{"version":"3.0.0"},"x":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`)},
	{"3.2 custom present with tpm2", []byte(`{"ignition":{"version":"3.2.0"},"storage":{"luks":[{"name":"a","device":"/dev/vda","clevis":{"custom":{},"tpm2":true}}]}}`)},
	{"3.2 custom needsNetwork only", []byte(`{"ignition":{"version":"3.2.0"},"storage":{"luks":[{"name":"a","device":"/dev/vda","clevis":{"custom":{"needsNetwork":true}}}]}}`)},
	{"3.3 custom needsNetwork only", []byte(`{"ignition":{"version":"3.3.0"},"storage":{"luks":[{"name":"a","device":"/dev/vda","clevis":{"custom":{"needsNetwork":true}}}]}}`)},
	{"3.0 raid level empty", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"raid":[{"name":"a","level":"","devices":["/dev/vda"]}]}}`)},
	{"3.0 link empty target hard", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"links":[{"path":"/a","hard":true}],"directories":[{"path":"/a"}]}}`)},
	{"3.0 ca empty source", []byte(`{"ignition":{"version":"3.0.0","security":{"tls":{"certificateAuthorities":[{"source":""}]}}}}`)},
	{"version with build", []byte(`{"ignition":{"version":"3.0.0+"}}`)},
	{"version leading zero", []byte(`{"ignition":{"version":"3.00.0"}}`)},
	{"version plus sign", []byte(`{"ignition":{"version":"+3.0.0"}}`)},
	{"experimental", []byte(`{"ignition":{"version":"3.7.0-experimental"}}`)},
	{"experimental 3.6", []byte(`{"ignition":{"version":"3.6.0-experimental"}}`)},
	{"unit contents only comments", []byte(`{"ignition":{"version":"3.0.0"},"systemd":{"units":[{"name":"a.service","contents":"# x"}]}}`)},
	{"unit contents crlf", []byte(`{"ignition":{"version":"3.0.0"},"systemd":{"units":[{"name":"a.service","contents":"[Unit]\r\nA=b\r\n"}]}}`)},
	{"unit long line", []byte(`{"ignition":{"version":"3.0.0"},"systemd":{"units":[{"name":"a.service","contents":"[Unit]\nA=` + strings.Repeat("b", 3000) + `\n"}]}}`)},
	{"data url upper media type", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:TEXT/PLAIN,x"}}]}}`)},
	{"data url percent", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,%zz"}}]}}`)},
	{"hash uppercase type", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"files":[{"path":"/a","contents":{"source":"data:,x","verification":{"hash":"SHA512-` + strings.Repeat("0", 128) + `"}}}]}}`)},
	{"partition label 36 multibyte", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"label":"` + strings.Repeat("é", 18) + `"}]}]}}`)},
	{"partition key label vs number", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"number":1,"label":"a"},{"label":"b"},{"label":"c","number":1}]}]}}`)},
	{"overlap zero size", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"disks":[{"device":"/dev/vda","partitions":[{"number":1,"startMiB":10,"sizeMiB":0},{"number":2,"startMiB":10,"sizeMiB":5}]}]}}`)},
	{"node below link at root", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"links":[{"path":"/a","target":"/b"}],"files":[{"path":"/a/"}]}}`)},
	{"unit path conflict mask", []byte(`{"ignition":{"version":"3.0.0"},"systemd":{"units":[{"name":"a.service","mask":true}]},"storage":{"files":[{"path":"/etc/systemd/system/a.service"}]}}`)},
	{"unit path conflict dotdot", []byte(`{"ignition":{"version":"3.0.0"},"systemd":{"units":[{"name":"x/../a.service","contents":"[Unit]"}]},"storage":{"files":[{"path":"/etc/systemd/system/x/../a.service"}]}}`)},
	{"tls ca headers", []byte(`{"ignition":{"version":"3.1.0","security":{"tls":{"certificateAuthorities":[{"source":"https://a/b","httpHeaders":[{"name":"a"}]}]}}}}`)},
	{"filesystem label empty format empty", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"filesystems":[{"device":"/dev/vda","label":""}]}}`)},
	{"filesystem uuid empty", []byte(`{"ignition":{"version":"3.0.0"},"storage":{"filesystems":[{"device":"/dev/vda","format":"ext4","uuid":""}]}}`)},
	{"kargs empty twice", []byte(`{"ignition":{"version":"3.3.0"},"kernelArguments":{"shouldExist":[""],"shouldNotExist":[""]}}`)},
}

// TestValidateEdgeCases compares the verdicts on validateEdgeCases.
func TestValidateEdgeCases(t *testing.T) {
	compareInputs(validateEdgeCases).check(t, "edge cases")
}
