"""Built-in translation schemes (installed as ``dsdcrn.translations``)."""
