#!/usr/bin/env python3
"""Disassembles one method that C2 compiled, from the raw code bytes the JVM prints.

JDK 25 prints a compiled method's code with -XX:CompileCommand=print,CLASS::METHOD even without a
working hsdis (Debian's libhsdis0-fcml lacks the decode_instructions_virtual entry JDK 25 wants), as
hex words with its call, oop and metadata comments and the inlining chain of each call site. This
turns one such method back into bytes and runs objdump over them at the method's addresses, with
the comments put back before the instruction they belong to.

    java ... -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,'dev.hakmem.bench.driver.Larson$Run::work' \\
        dev.hakmem.bench.DriverMain larson hakmem ... > print.txt
    grep -n 'Compiled method (c2)' print.txt          # pick the compile to read (the last is usually the one that runs)
    scripts/c2-disasm.py print.txt LINE > work.s      # LINE: the line number of that 'Compiled method' header

Needs objdump (binutils). Addresses match those of perf samples (perf script -F ip) taken in the
same JVM with -XX:+DumpPerfMapAtExit.
"""
import re
import subprocess
import sys
import tempfile


def main(path, header_line):
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    code = bytearray()
    start = None
    notes = {}
    for ln in lines[header_line:]:
        if ln.startswith('Compiled method') or ln.startswith('[Stub Code]') or ln.startswith('[Exception Handler]'):
            break
        m = re.match(r'\s*0x([0-9a-f]+): (.*)$', ln)
        if m:
            addr, rest = int(m.group(1), 16), m.group(2)
            if rest.lstrip().startswith(';'):
                notes.setdefault(addr, []).append(rest.strip())
                continue
            words = ''
            for tok in rest.split(';')[0].replace('|', ' ').split():
                if not re.fullmatch(r'(?:[0-9a-f]{2}){1,2}', tok):
                    break  # the program's own output, printed into the middle of the listing
                words += tok
            if start is None:
                start = addr
            gap = addr - start - len(code)
            if gap > 0:
                code.extend(b'\x90' * gap)
            code.extend(bytes.fromhex(words))
        elif ln.strip().startswith(';') and start is not None:
            notes.setdefault(start + len(code), []).append(ln.strip())
    if start is None:
        sys.exit('no code bytes after line %d of %s' % (header_line, path))
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(code)
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-Mintel',
                              '--adjust-vma=%#x' % start, f.name], capture_output=True, text=True, check=True).stdout
    pending = sorted(notes)  # note addresses; one inside an instruction (a call's return point) goes before the next one
    k = 0
    for line in out.split('\n'):
        m = re.match(r'\s*([0-9a-f]+):', line)
        if m:
            addr = int(m.group(1), 16)
            while k < len(pending) and pending[k] <= addr:
                for n in notes[pending[k]]:
                    print('                ' + n)
                k += 1
        print(line)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
