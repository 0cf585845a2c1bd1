"""Where the network runs: devices, the measured precision, weights files."""
