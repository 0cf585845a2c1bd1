"""Files in and out: pictures, export formats, layered files, safe JSON."""
