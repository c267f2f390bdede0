package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gopercept/gopercept/bag"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/param"
)

type topicInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Messages uint64 `json:"messages"`
}

type bagInfo struct {
	Path     string         `json:"path"`
	Files    []string       `json:"files"`
	Messages int64          `json:"messages"`
	Start    float64        `json:"start_s"`
	End      float64        `json:"end_s"`
	Topics   []topicInfo    `json:"topics"`
	Skipped  map[string]int `json:"skipped_records"`
}

func cmdInfo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return errors.New("info: give one bag")
	}
	rd, err := bag.Open(paths[0], bag.ReaderConfig{})
	if err != nil {
		return err
	}
	defer rd.Close()
	info := bagInfo{Path: paths[0], Files: rd.Files(), Start: -1}
	counts := map[string]uint64{}
	for m, err := range rd.All() {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if info.Start < 0 {
			info.Start = float64(m.LogTime) / 1e9
		}
		info.End = float64(m.LogTime) / 1e9
		info.Messages++
		counts[m.Topic]++
	}
	for _, t := range rd.Topics() {
		info.Topics = append(info.Topics, topicInfo{Name: t.Name, Type: t.Type, Messages: counts[t.Name]})
	}
	sort.Slice(info.Topics, func(i, j int) bool { return info.Topics[i].Name < info.Topics[j].Name })
	info.Skipped = rd.SkipCounts()
	if *asJSON {
		return writeJSON(stdout, info)
	}
	fmt.Fprintf(stdout, "bag:      %s (%d files)\nmessages: %d\nduration: %.3f s (%.3f .. %.3f)\n", info.Path, len(info.Files), info.Messages, info.End-info.Start, info.Start, info.End)
	for _, t := range info.Topics {
		fmt.Fprintf(stdout, "  %-40s %-40s %8d\n", t.Name, t.Type, t.Messages)
	}
	for k, v := range info.Skipped {
		fmt.Fprintf(stdout, "skipped damaged records (%s): %d\n", k, v)
	}
	return nil
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
