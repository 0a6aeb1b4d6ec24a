package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// Tracing: the OpenID library traces every request it serves with
// OpenTelemetry, to the global tracer provider. With --tracing otlp,
// Gatehouse sets that provider to export the spans over OTLP/HTTP, to
// where the standard OTEL_EXPORTER_OTLP_* variables say (the endpoint,
// headers, TLS, compression: the exporter reads them itself), in
// batches, and flushes them when the node stops. Off by default:
// nothing is sent anywhere unless an operator asks.

// bindTracingFlag registers --tracing on fs.
func (c *config) bindTracingFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.Tracing, "tracing", env("GATEHOUSE_TRACING", "off"),
		"off, or otlp: export traces over OTLP/HTTP to the collector the OTEL_EXPORTER_OTLP_* variables name (GATEHOUSE_TRACING)")
}

// resolveTracing checks --tracing.
func (c *config) resolveTracing() error {
	switch c.Tracing {
	case "", "off", "otlp":
		return nil
	}
	return fmt.Errorf("GATEHOUSE_TRACING / --tracing %q: use off or otlp", c.Tracing)
}

// tracingShutdownTimeout bounds the last flush of spans at shutdown.
const tracingShutdownTimeout = 5 * time.Second

// startTracing sets the global tracer provider as cfg says, and returns
// what flushes and stops it (a no-op when tracing is off).
func startTracing(ctx context.Context, cfg *config) (stop func() error, err error) {
	if cfg.Tracing != "otlp" {
		return func() error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("gatehouse")))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tracing: %w", err), exp.Shutdown(ctx))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
		defer cancel()
		return tp.Shutdown(ctx)
	}, nil
}
