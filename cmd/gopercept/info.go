package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
)

func cmdInfo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "also list each topic's QoS profiles and type hash")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return errors.New("info: give one bag")
	}
	// What `ros2 bag info` shows: files and sizes, storage id, duration,
	// start and end, message counts, compression, and per topic its type,
	// count, serialization format and QoS.
	info, err := bag.ReadInfo(paths[0], bag.ReaderConfig{})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, info)
	}
	return info.Format(stdout, *verbose)
}

type nodeInfo struct {
	Name    string       `json:"name"`
	Inputs  []node.Topic `json:"inputs"`
	Outputs []node.Topic `json:"outputs"`
	Params  []param.Decl `json:"parameters"`
}

// describeNodes builds each registered node with default parameters to
// list its topics and declared parameters.
func describeNodes() ([]nodeInfo, error) {
	var out []nodeInfo
	for _, name := range node.Names() {
		f, _ := node.Lookup(name)
		ps := param.New(name, nil)
		node.DeclareDriverParams(ps)
		n, err := f(node.Env{Name: name, Params: ps, Stats: node.NewStats(), Describe: true})
		if err != nil {
			return nil, fmt.Errorf("nodes: build %s with defaults: %w", name, err)
		}
		out = append(out, nodeInfo{Name: name, Inputs: n.Inputs(), Outputs: n.Outputs(), Params: ps.Decls()})
		n.Close()
	}
	return out, nil
}

func cmdNodes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nodes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	md := fs.Bool("markdown", false, "print the README's topic and parameter tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	infos, err := describeNodes()
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, infos)
	}
	if *md {
		_, err := io.WriteString(stdout, nodeTables(infos))
		return err
	}
	for _, n := range infos {
		fmt.Fprintf(stdout, "%s\n", n.Name)
		for _, t := range n.Inputs {
			fmt.Fprintf(stdout, "  in   %-32s %s\n", t.Name, t.Type)
		}
		for _, t := range n.Outputs {
			fmt.Fprintf(stdout, "  out  %-32s %s\n", t.Name, t.Type)
		}
		for _, p := range n.Params {
			fmt.Fprintf(stdout, "  param %-30s %v  %s\n", p.Name, p.Default, p.Description)
		}
	}
	return nil
}

// nodeTables renders each node's topics and parameters as Markdown; the
// README carries this text between markers and a test keeps it current.
func nodeTables(infos []nodeInfo) string {
	var b strings.Builder
	qos := map[node.QoS]string{node.SensorData: "sensor data (best effort)", node.Reliable: "reliable", node.Static: "transient local"}
	for _, n := range infos {
		fmt.Fprintf(&b, "### %s\n\n| direction | topic | type | QoS |\n|---|---|---|---|\n", n.Name)
		for _, t := range n.Inputs {
			fmt.Fprintf(&b, "| in | `%s` | `%s` | %s |\n", t.Name, t.Type, qos[t.QoS])
		}
		for _, t := range n.Outputs {
			fmt.Fprintf(&b, "| out | `%s` | `%s` | %s |\n", t.Name, t.Type, qos[t.QoS])
		}
		fmt.Fprintf(&b, "\n| parameter | default | description |\n|---|---|---|\n")
		for _, p := range n.Params {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", p.Name, formatDefault(p.Default), strings.ReplaceAll(p.Description, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func formatDefault(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return `""`
		}
		return x
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = fmt.Sprint(f)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}
