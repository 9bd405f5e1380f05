// The official twitter-text, asked about many posts at once for kagami's differential test.
// stdin: one JSON string (a post's text) per line.  stdout: one JSON object per line, in order:
//   {"weightedLength": n, "urls": [[url, start, end], ...], "schemeUrls": [[url, start, end], ...]}
// Offsets are in code points (Python's str indices), not UTF-16 units.
"use strict";
const readline = require("readline");
const twttr = require("twitter-text");

function codePointIndex(text, utf16) {
  return Array.from(text.slice(0, utf16)).length;
}

function urls(text, options) {
  return twttr.extractUrlsWithIndices(text, options).map((u) => [
    u.url,
    codePointIndex(text, u.indices[0]),
    codePointIndex(text, u.indices[1]),
  ]);
}

const out = [];
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line) return;
  const text = JSON.parse(line);
  const normalized = text.normalize();
  out.push(
    JSON.stringify({
      weightedLength: twttr.parseTweet(text).weightedLength,
      urls: urls(normalized),
      schemeUrls: urls(normalized, { extractUrlsWithoutProtocol: false }),
    })
  );
});
lines.on("close", () => process.stdout.write(out.join("\n") + (out.length ? "\n" : "")));
