// Command misgen makes an invented school's MIS data for trying and
// measuring imports: a SIMS-style pupils CSV, a staff CSV, or a fake Wonde
// API serving the same school. Every name in it is invented.
//
//	misgen csv -pupils 2000 > roll.csv
//	misgen staff-csv -pupils 2000 > staff.csv
//	misgen wonde -pupils 50000 -addr 127.0.0.1:8931 -token T -school A1930499544
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/vigil-safeguarding/vigil/mis/misgen"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: misgen csv|staff-csv|wonde [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("misgen "+os.Args[1], flag.ExitOnError)
	pupils := fs.Int("pupils", 2000, "how many pupils")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same school")
	addr := fs.String("addr", "127.0.0.1:0", "wonde: address to listen on (loopback only)")
	token := fs.String("token", "misgen-token", "wonde: the token the fake server accepts")
	school := fs.String("school", "A1930499544", "wonde: the school's Wonde id")
	fs.Parse(os.Args[2:])
	b := misgen.School(*seed, *pupils)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	var err error
	switch os.Args[1] {
	case "csv":
		err = misgen.WriteCSV(out, b)
	case "staff-csv":
		err = misgen.WriteStaffCSV(out, b)
	case "wonde":
		host, _, _ := net.SplitHostPort(*addr)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			err = fmt.Errorf("the fake server listens on loopback only")
			break
		}
		fake := wondefake.NewServer(*token)
		fake.SetSchool(*school, b.Pupils, b.Staff)
		var ln net.Listener
		if ln, err = net.Listen("tcp", *addr); err != nil {
			break
		}
		fmt.Fprintf(out, "http://%s/v1.0/\n", ln.Addr())
		out.Flush()
		err = http.Serve(ln, fake.Handler())
	default:
		err = fmt.Errorf("unknown command %q: use csv, staff-csv or wonde", os.Args[1])
	}
	if err != nil {
		out.Flush()
		fmt.Fprintln(os.Stderr, "misgen:", err)
		os.Exit(1)
	}
}
