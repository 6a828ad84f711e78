package s3arn

import (
	"errors"
	"strings"
	"testing"
)

// TestValid holds the spec's verdicts (Ignition v2.26.0's validator): any
// partition, service s3, and enough slashes anywhere in the ARN.
func TestValid(t *testing.T) {
	tests := []struct {
		arn  string
		want string // "" accepted, else a substring of the error
	}{
		{"arn:aws:s3:::bucket/key", ""},
		{"arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k", ""},
		{"arn::s3:::b/k", ""},         // empty partition: the spec does not look
		{"arn:aws-eusc:s3:::b/k", ""}, // unknown partition: Parse refuses, Valid does not
		{"arn:aws:s3:a/b::", ""},      // the slash is counted anywhere
		{"arn:aws:s3:::accesspoint/ap", "does not name an object"},
		{"arn:aws:s3:us-west-2:1:accesspoint/ap/k", ""}, // two slashes: the spec is content
		{"arn:aws:s3:::bucket", "does not name an object"},
		{"arn:aws:iam::123456789012:user/x", `names service "iam"`},
		{"arn:aws::::b/k", `names service ""`},
		{"arn:aws:s3", "malformed"},
		{"arn:aws:s3::", "malformed"},
		{"nope:aws:s3:::b/k", "malformed"},
	}
	for _, tt := range tests {
		err := Valid(tt.arn)
		if tt.want == "" {
			if err != nil {
				t.Errorf("Valid(%q) = %v, want nil", tt.arn, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Valid(%q) = %v, want %q", tt.arn, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	aws, _ := Lookup("aws")
	iso, _ := Lookup("aws-iso")
	tests := []struct {
		arn  string
		want Object
		err  string
	}{
		{arn: "arn:aws:s3:::b/k/x", want: Object{Partition: aws, Bucket: "b", Key: "k/x"}},
		{arn: "arn:aws:s3:::b//k", want: Object{Partition: aws, Bucket: "b", Key: "/k"}},
		{arn: "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/dir/k",
			want: Object{Partition: aws, Bucket: "ap-123456789012", Key: "dir/k", Region: "us-west-2", Account: "123456789012", AccessPoint: "ap"}},
		{arn: "arn:aws-iso:s3:us-iso-west-1:1:accesspoint/ap/object/k",
			want: Object{Partition: iso, Bucket: "ap-1", Key: "k", Region: "us-iso-west-1", Account: "1", AccessPoint: "ap"}},
		{arn: "arn:aws-eusc:s3:::b/k", err: `partition "aws-eusc" is not one of aws, aws-cn, aws-iso, aws-iso-b, aws-us-gov`},
		{arn: "arn::s3:::b/k", err: `partition "" is not one of`},
		{arn: "arn:aws-cn:s3:us-east-1:1:accesspoint/ap/object/k", err: `region "us-east-1" is not in partition "aws-cn"`},
		{arn: "arn:aws:s3:us-west-2:1:accesspoint/ap/k", err: "access point ARN"},
		{arn: "arn:aws:s3:us-west-2:1:accesspoint/a/b/object/k", err: "access point ARN"},
		{arn: "arn:aws:s3::1:accesspoint/ap/object/k", err: "access point ARN"},
		{arn: "arn:aws:s3:us-west-2::accesspoint/ap/object/k", err: "access point ARN"},
		{arn: "arn:aws:s3:::/k", err: "bucket and key"},
		{arn: "arn:aws:s3:::b/", err: "bucket and key"},
		{arn: "arn:aws:s3:a/b::", err: "bucket and key"},
		{arn: "arn:aws:sqs:::b/k", err: `names service "sqs"`},
	}
	for _, tt := range tests {
		got, err := Parse(tt.arn)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) = %v, want %q", tt.arn, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.arn, got, err, tt.want)
		}
	}
}

// TestParseStricterThanValid: whatever Parse accepts the spec accepts, so
// the validator's fetch check can only add warnings.
func TestParseStricterThanValid(t *testing.T) {
	for _, s := range []string{"arn:aws:s3:::b/k", "arn:aws:s3:::b", "arn:aws:s3:a/b::", "arn:x:s3:::b/k", "arn:aws:s3"} {
		if _, err := Parse(s); err == nil && Valid(s) != nil {
			t.Errorf("%q: Parse accepts what Valid refuses", s)
		}
	}
	if _, err := Parse("arn:aws:s3:::b"); !errors.Is(err, ErrNoObject) {
		t.Errorf("a bucket-only ARN: %v, want ErrNoObject", err)
	}
}

// TestPartitionEndpoints: every partition's bucket, path-style and access
// point hosts, and the partition each region prefix selects.
func TestPartitionEndpoints(t *testing.T) {
	tests := []struct {
		name, region, bucket, dotted, accessPoint string
	}{
		{"aws", "eu-west-3",
			"https://bkt.s3.eu-west-3.amazonaws.com/", "https://s3.eu-west-3.amazonaws.com/d.b/", "https://ap-1.s3-accesspoint.eu-west-3.amazonaws.com/"},
		{"aws-cn", "cn-northwest-1",
			"https://bkt.s3.cn-northwest-1.amazonaws.com.cn/", "https://s3.cn-northwest-1.amazonaws.com.cn/d.b/", "https://ap-1.s3-accesspoint.cn-northwest-1.amazonaws.com.cn/"},
		{"aws-us-gov", "us-gov-east-1",
			"https://bkt.s3.us-gov-east-1.amazonaws.com/", "https://s3.us-gov-east-1.amazonaws.com/d.b/", "https://ap-1.s3-accesspoint.us-gov-east-1.amazonaws.com/"},
		{"aws-iso", "us-iso-east-1",
			"https://bkt.s3.us-iso-east-1.c2s.ic.gov/", "https://s3.us-iso-east-1.c2s.ic.gov/d.b/", "https://ap-1.s3-accesspoint.us-iso-east-1.c2s.ic.gov/"},
		{"aws-iso-b", "us-isob-east-1",
			"https://bkt.s3.us-isob-east-1.sc2s.sgov.gov/", "https://s3.us-isob-east-1.sc2s.sgov.gov/d.b/", "https://ap-1.s3-accesspoint.us-isob-east-1.sc2s.sgov.gov/"},
	}
	if len(tests) != len(Names()) {
		t.Fatalf("%d partitions tested, %d known: %v", len(tests), len(Names()), Names())
	}
	for _, tt := range tests {
		p, ok := Lookup(tt.name)
		if !ok {
			t.Fatalf("partition %s unknown", tt.name)
		}
		if got := PartitionOfRegion(tt.region).Name; got != tt.name {
			t.Errorf("region %s is in %s, want %s", tt.region, got, tt.name)
		}
		if got := PartitionOfRegion(p.Hint).Name; got != tt.name {
			t.Errorf("%s: hint %s is in %s", tt.name, p.Hint, got)
		}
		if got := p.BucketURL("bkt", tt.region); got != tt.bucket {
			t.Errorf("%s bucket URL %s, want %s", tt.name, got, tt.bucket)
		}
		if got := p.BucketURL("d.b", tt.region); got != tt.dotted {
			t.Errorf("%s dotted bucket URL %s, want %s", tt.name, got, tt.dotted)
		}
		if got := p.AccessPointURL("ap", "1", tt.region); got != tt.accessPoint {
			t.Errorf("%s access point URL %s, want %s", tt.name, got, tt.accessPoint)
		}
	}
	if _, ok := Lookup("aws-eusc"); ok {
		t.Error("an unknown partition was found")
	}
}
