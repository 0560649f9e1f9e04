// Package server mounts Vigil's pages, health probes and metrics behind one
// middleware chain: request id, security headers, cross-origin protection,
// structured access log, panic recovery.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/web"
)

// Server is Vigil's HTTP server.
type Server struct {
	Store   *store.Store
	Web     *web.Handler
	Log     *slog.Logger
	Version string

	// API, if set, answers everything under /api/ (package api).
	API http.Handler

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New returns a server for the pages.
func New(s *store.Store, w *web.Handler, log *slog.Logger, version string) *Server {
	srv := &Server{Store: s, Web: w, Log: log, Version: version, registry: prometheus.NewRegistry()}
	srv.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Labels hold the route pattern and status only: never a path with an
	// id in it, never anything about a person.
	srv.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"})
	srv.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
	}, []string{"route"})
	srv.registry.MustRegister(srv.requests, srv.duration)
	srv.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vigil_build_info", Help: "Always 1; the version is a label.", ConstLabels: prometheus.Labels{"version": version},
	}, func() float64 { return 1 }))
	return srv
}

// Handler returns the whole service.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	mux.Handle("/", s.Web.Handler())
	if s.API != nil {
		mux.Handle("/api/", s.API)
	}

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.CrossOriginRefused(w, r) // problem+json, as everything under /api/
			return
		}
		http.Error(w, "This form was sent from another site and has been refused.", http.StatusForbidden)
	}))
	return s.observe(headers(cop.Handler(mux)))
}

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database answers and its schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Store.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	cur, latest, err := s.Store.Version(ctx)
	if err != nil || cur != latest {
		http.Error(w, "database schema not current", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// headers sets the security headers every response carries. No page has
// inline script or style, so the policy allows only our own files.
func headers(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		// Pages about children must not linger in caches; static files
		// override this.
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// observe gives each request an id, recovers a panic into a plain 500, logs
// one line per request and counts it. The log holds the path, never the
// query string or body, where search words might be.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(web.WithRequestID(r.Context(), id))
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic", slog.String("request", id), slog.Any("panic", v))
				if rec.status == 0 {
					http.Error(rec, "Internal error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.duration.WithLabelValues(route).Observe(elapsed.Seconds())
			ip, _, _ := net.SplitHostPort(r.RemoteAddr)
			path := r.URL.Path
			if strings.Contains(route, "{token}") {
				path = route // a reset or invitation link: the secret stays out of the log
			}
			s.Log.InfoContext(r.Context(), "request",
				slog.String("request", id), slog.String("method", r.Method), slog.String("path", path),
				slog.Int("status", status), slog.Int("bytes", rec.bytes), slog.Duration("took", elapsed), slog.String("ip", ip))
		}()
		next.ServeHTTP(rec, r)
	})
}
