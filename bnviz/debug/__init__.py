"""The live run as a debugger: session, breakpoints, rewind, population and precise statistics."""
