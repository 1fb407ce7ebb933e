# The three examples of Python's mmap page, as Python runs them (the second writes bytes,
# as Python 3 requires; the parent of the third waits for its child).
import mmap
import os
import sys

# write a simple example file
with open("hello.txt", "wb") as f:
    f.write(b"Hello Python!\n")

with open("hello.txt", "r+b") as f:
    # memory-map the file, size 0 means whole file
    map = mmap.mmap(f.fileno(), 0)
    # read content via standard file methods
    print(map.readline())  # prints b"Hello Python!\n"
    # read content via slice notation
    print(map[:5])  # prints b"Hello"
    # update content using slice notation;
    # note that new content must have same size
    map[6:] = b" world!\n"
    # ... and read again using standard file methods
    map.seek(0)
    print(map.readline())  # prints b"Hello  world!\n"
    # close the map
    map.close()

with mmap.mmap(-1, 13) as map:
    map.write(b"Hello world!")

map = mmap.mmap(-1, 13)
map.write(b"Hello world!")

sys.stdout.flush()  # or the child would print the buffered lines again
pid = os.fork()

if pid == 0:  # In a child process
    map.seek(0)
    print(map.readline(), flush=True)

    map.close()
    os._exit(0)
os.waitpid(pid, 0)
