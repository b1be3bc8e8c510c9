#!/usr/bin/env python3
"""Writes the seed corpus of the SMTP session fuzz target: the client side of
every session in scenarios/ and of every SMTP script in ../shared/conformance
(when present), one file each, the first byte the chunking seed.

usage: fuzz/make_corpus.py [OUT]   (default fuzz/corpus/smtp_session)"""
import base64, hashlib, os, pathlib, re, sys, xml.etree.ElementTree as ET

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "fuzz/corpus/smtp_session"
out.mkdir(parents=True, exist_ok=True)
ns = "{urn:mailflow:scenario:1}"
inputs = []

def unescape(s):
    return s.encode("latin-1", "replace").decode("unicode_escape").encode("latin-1", "replace")

for f in sorted((root / "scenarios").rglob("*.xml")):
    try:
        doc = ET.parse(f).getroot()
    except ET.ParseError:
        continue
    for s in doc.iter(ns + "session"):
        if s.get("protocol", "smtp") != "smtp":
            continue
        b = b""
        for st in s:
            tag = st.tag.replace(ns, "")
            if tag == "send":
                b += st.get("line", "").encode("latin-1", "replace") + b"\r\n"
            elif tag == "raw":
                b += unescape(st.get("bytes", ""))
            elif tag == "auth-plain":
                cred = b"\0" + st.get("user", "").encode() + b"\0" + st.get("password", "").encode()
                b += b"AUTH PLAIN " + base64.b64encode(cred) + b"\r\n"
        if b:
            inputs.append(b)

conf = root.parent / "shared/conformance/cases"
for f in sorted(conf.glob("*/*.smtp")) if conf.is_dir() else []:
    b = b""
    for line in f.read_text("latin-1").splitlines():
        m = re.match(r"^(C|X|B64): ?(.*)$", line)
        if m:
            b += m.group(2).encode("latin-1") + b"\r\n"
    if b:
        inputs.append(b)

for i, b in enumerate(inputs):
    data = bytes([i % 256]) + b[:8 * 1024]
    (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
print(f"{len(inputs)} seeds in {out}")
