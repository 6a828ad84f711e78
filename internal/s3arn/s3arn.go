// Package s3arn is the one reader of S3 object ARNs and the one table of
// AWS partitions. The config validator asks it two questions: does the spec
// accept this ARN (Valid, the reference validator's verdict), and can it be
// fetched (Parse, whose error becomes a warning). The fetcher asks Parse
// and builds its endpoints from the partition Parse names.
package s3arn

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Partition is one AWS partition: where its endpoints live and a region of
// it to ask where a bucket is.
type Partition struct {
	Name      string
	DNSSuffix string
	// Hint is a region of the partition, for the bucket-region probe.
	Hint string
	// RegionPrefix is how its region names begin; "" for the default
	// partition, which holds every region no other prefix claims.
	RegionPrefix string
}

// partitions are the AWS partitions Kindling builds endpoints for. An ARN
// naming any other is refused rather than sent to a guessed domain. The
// more specific region prefixes come first, for PartitionOfRegion.
var partitions = []Partition{
	{Name: "aws-iso-b", DNSSuffix: "sc2s.sgov.gov", Hint: "us-isob-east-1", RegionPrefix: "us-isob-"},
	{Name: "aws-iso", DNSSuffix: "c2s.ic.gov", Hint: "us-iso-east-1", RegionPrefix: "us-iso-"},
	{Name: "aws-us-gov", DNSSuffix: "amazonaws.com", Hint: "us-gov-west-1", RegionPrefix: "us-gov-"},
	{Name: "aws-cn", DNSSuffix: "amazonaws.com.cn", Hint: "cn-north-1", RegionPrefix: "cn-"},
	{Name: "aws", DNSSuffix: "amazonaws.com", Hint: "us-east-1"},
}

// Lookup returns the partition called name.
func Lookup(name string) (Partition, bool) {
	i := slices.IndexFunc(partitions, func(p Partition) bool { return p.Name == name })
	if i < 0 {
		return Partition{}, false
	}
	return partitions[i], true
}

// PartitionOfRegion returns the partition a region belongs to; a region no
// partition claims by prefix is in "aws".
func PartitionOfRegion(region string) Partition {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.RegionPrefix) {
			return p
		}
	}
	return partitions[len(partitions)-1]
}

// Names lists the known partitions, sorted, for messages.
func Names() []string {
	names := make([]string, len(partitions))
	for i, p := range partitions {
		names[i] = p.Name
	}
	slices.Sort(names)
	return names
}

// Forms names the two ARN shapes that name an S3 object, for messages.
const Forms = "arn:PARTITION:s3:::BUCKET/KEY or arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY"

// ErrNoObject says an ARN the spec would read as S3 names no object.
var ErrNoObject = errors.New("does not name an object")

// Valid is the spec's check of an ARN (its query removed): "arn:" and five
// more colon-separated fields (any may be empty but the service, which is
// "s3"), and enough slashes to name an object: one, or two when the
// resource is an access point. The slashes are counted over the whole ARN,
// as the reference validator counts them; Parse is stricter.
func Valid(s string) error {
	a, err := arn.Parse(s)
	if err != nil {
		return fmt.Errorf("ARN %q is malformed; expected %s", s, Forms)
	}
	if a.Service != "s3" {
		return fmt.Errorf("ARN %q names service %q; only S3 objects can be fetched (%s)", s, a.Service, Forms)
	}
	slashes := 1
	if strings.HasPrefix(a.Resource, "accesspoint/") {
		slashes = 2
	}
	if strings.Count(s, "/") < slashes {
		return fmt.Errorf("S3 ARN %q %w; expected %s", s, ErrNoObject, Forms)
	}
	return nil
}

// Object is what an S3 object ARN names.
type Object struct {
	Partition Partition
	Bucket    string
	Key       string
	// Region, Account and AccessPoint are set for access point ARNs; the
	// bucket is then the access point's alias NAME-ACCOUNT.
	Region      string
	Account     string
	AccessPoint string
}

// Parse reads an ARN (its query removed) the way the fetcher needs it:
// arn:PARTITION:s3:::BUCKET/KEY or
// arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY, in a
// partition Kindling knows the endpoints of.
func Parse(s string) (Object, error) {
	var o Object
	if err := Valid(s); err != nil {
		return o, err
	}
	a, _ := arn.Parse(s) // Valid parsed it
	part, ok := Lookup(a.Partition)
	if !ok {
		return o, fmt.Errorf("ARN partition %q is not one of %s", a.Partition, strings.Join(Names(), ", "))
	}
	o.Partition = part
	if rest, ok := strings.CutPrefix(a.Resource, "accesspoint/"); ok {
		return accessPoint(o, a, rest)
	}
	bucket, key, _ := strings.Cut(a.Resource, "/")
	if bucket == "" || key == "" {
		return o, fmt.Errorf("S3 ARN %q %w (bucket and key); expected arn:%s:s3:::BUCKET/KEY", s, ErrNoObject, part.Name)
	}
	o.Bucket, o.Key = bucket, key
	return o, nil
}

// accessPoint fills o from the resource of an access point ARN after
// "accesspoint/".
func accessPoint(o Object, a arn.ARN, rest string) (Object, error) {
	name, key, found := strings.Cut(rest, "/object/")
	if !found || name == "" || strings.Contains(name, "/") || key == "" || a.Region == "" || a.AccountID == "" {
		return o, fmt.Errorf("S3 access point ARN %q %w; expected arn:%s:s3:REGION:ACCOUNT:accesspoint/NAME/object/KEY", a, ErrNoObject, o.Partition.Name)
	}
	if PartitionOfRegion(a.Region).Name != o.Partition.Name {
		return o, fmt.Errorf("access point ARN: region %q is not in partition %q", a.Region, o.Partition.Name)
	}
	o.AccessPoint, o.Account, o.Region, o.Key = name, a.AccountID, a.Region, key
	o.Bucket = name + "-" + a.AccountID
	return o, nil
}

// BucketURL is the base URL of a bucket's objects in a region, ending in
// "/". Dotted bucket names break the wildcard certificate, so they are
// addressed path-style.
func (p Partition) BucketURL(bucket, region string) string {
	if strings.Contains(bucket, ".") {
		return fmt.Sprintf("https://s3.%s.%s/%s/", region, p.DNSSuffix, bucket)
	}
	return fmt.Sprintf("https://%s.s3.%s.%s/", bucket, region, p.DNSSuffix)
}

// AccessPointURL is the base URL of an access point's objects, ending in
// "/".
func (p Partition) AccessPointURL(name, account, region string) string {
	return fmt.Sprintf("https://%s-%s.s3-accesspoint.%s.%s/", name, account, region, p.DNSSuffix)
}
