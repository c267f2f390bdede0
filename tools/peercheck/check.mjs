// check.mjs reads an MCAP file written by gopercept with @mcap/core, parses
// every channel's ros2msg schema with @foxglove/rosmsg, decodes every message
// with @foxglove/rosmsg2-serialization, and compares the values with the
// JSON the Go side wrote (one entry per message, in log-time order).
//
//   node check.mjs FILE.mcap EXPECTED.json
import { readFileSync } from "node:fs";
import { McapIndexedReader } from "@mcap/core";
import { parse } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import { decompress as zstdDecompress } from "fzstd";
import lz4 from "lz4js";

const [file, expectedPath] = process.argv.slice(2);
if (!file || !expectedPath) {
  console.error("usage: node check.mjs FILE.mcap EXPECTED.json");
  process.exit(2);
}
const bytes = readFileSync(file);
const expected = JSON.parse(readFileSync(expectedPath, "utf8"));

const readable = {
  size: async () => BigInt(bytes.length),
  read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
};
const decompressHandlers = {
  zstd: (data, size) => zstdDecompress(data, new Uint8Array(Number(size))),
  lz4: (data, size) => lz4.decompress(data, Number(size)),
};

// normalise turns decoded values into plain JSON-comparable values: typed
// arrays to arrays, BigInt to strings.
function normalise(v) {
  if (typeof v === "bigint") return v.toString();
  if (ArrayBuffer.isView(v)) return Array.from(v, normalise);
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = normalise(v[k]);
    return o;
  }
  return v;
}

function diff(path, got, want) {
  if (typeof want === "number" && typeof got === "number") {
    if (Object.is(got, want) || got === want) return null;
    return `${path}: got ${got}, want ${want}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${path}: got length ${got?.length}, want ${want.length}`;
    for (let i = 0; i < want.length; i++) {
      const d = diff(`${path}[${i}]`, got[i], want[i]);
      if (d) return d;
    }
    return null;
  }
  if (want && typeof want === "object") {
    for (const k of Object.keys(want)) {
      if (!(k in got)) return `${path}.${k}: missing`;
      const d = diff(`${path}.${k}`, got[k], want[k]);
      if (d) return d;
    }
    return null;
  }
  return got === want ? null : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers });
if (reader.header.profile !== "ros2") throw new Error(`profile ${reader.header.profile}, want ros2`);
const readers = new Map();
for (const [id, ch] of reader.channelsById) {
  const schema = reader.schemasById.get(ch.schemaId);
  if (schema.encoding !== "ros2msg" || ch.messageEncoding !== "cdr") {
    throw new Error(`channel ${ch.topic}: encodings ${schema.encoding}/${ch.messageEncoding}`);
  }
  const defs = parse(new TextDecoder().decode(schema.data), { ros2: true });
  readers.set(id, new MessageReader(defs));
}
let n = 0;
let failures = 0;
for await (const msg of reader.readMessages()) {
  const want = expected[n];
  const ch = reader.channelsById.get(msg.channelId);
  if (!want) throw new Error(`more messages than expected (${n + 1})`);
  if (want.topic !== ch.topic) throw new Error(`message ${n}: topic ${ch.topic}, want ${want.topic}`);
  const got = normalise(readers.get(msg.channelId).readMessage(msg.data));
  const d = diff(ch.topic, got, want.value);
  if (d) {
    failures++;
    if (failures < 10) console.error(`message ${n} (${ch.topic}): ${d}`);
  }
  n++;
}
if (n !== expected.length) throw new Error(`read ${n} messages, expected ${expected.length}`);
console.log(`peercheck: ${n} messages on ${readers.size} channels decoded by @mcap/core + @foxglove/rosmsg2-serialization; ${failures} mismatches`);
process.exit(failures === 0 ? 0 : 1);
