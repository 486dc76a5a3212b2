"""What jacviz keeps on disk: session files, the autosave and recent files, and the presets."""
