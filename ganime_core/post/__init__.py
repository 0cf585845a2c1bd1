"""The post-processing steps run on the network's colour (see ``post.steps``)."""
