"""Reports: queries return rows; one renderer per format turns rows into text."""
