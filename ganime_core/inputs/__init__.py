"""What the network is given: line art, hints, barriers, dense hints, palettes, the encoding."""
