package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBlobURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "s3-secret")
	if err := os.WriteFile(secret, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		env       map[string]string
		flag      string
		want, err string
		ak, sk    string
	}{
		{name: "default", env: map[string]string{"VIGIL_DATA": dir}, want: filepath.Join(dir, "blobs")},
		{name: "env", env: map[string]string{"VIGIL_BLOB_URL": "/srv/docs"}, want: "/srv/docs"},
		{name: "flag wins", env: map[string]string{"VIGIL_BLOB_URL": "/srv/docs"}, flag: "file:/mnt/docs", want: "file:/mnt/docs"},
		{name: "s3 with keys", env: map[string]string{
			"VIGIL_BLOB_URL": "s3://docs/vigil/", "VIGIL_S3_ACCESS_KEY": "AK", "VIGIL_S3_SECRET_KEY": "SK",
		}, want: "s3://docs/vigil/", ak: "AK", sk: "SK"},
		{name: "s3 keys from files", env: map[string]string{
			"VIGIL_BLOB_URL": "s3://docs", "VIGIL_S3_ACCESS_KEY": "AK", "VIGIL_S3_SECRET_KEY_FILE": secret,
		}, want: "s3://docs", ak: "AK", sk: "from-a-file"},
		{name: "s3 without a secret", env: map[string]string{"VIGIL_BLOB_URL": "s3://docs", "VIGIL_S3_ACCESS_KEY": "AK"},
			err: "needs VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY"},
		{name: "unreadable key file", env: map[string]string{"VIGIL_S3_ACCESS_KEY_FILE": filepath.Join(dir, "missing")},
			err: "cannot read VIGIL_S3_ACCESS_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{BlobURL: tc.flag}
			err := c.Resolve(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Resolve: %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BlobURL != tc.want || c.S3AccessKey != tc.ak || c.S3SecretKey != tc.sk {
				t.Fatalf("BlobURL %q, keys %q %q", c.BlobURL, c.S3AccessKey, c.S3SecretKey)
			}
		})
	}
}
