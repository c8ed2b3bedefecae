"""BERT in numpy and real attention heads of all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0).

- :mod:`mmcore.bert.wordpiece`: BERT's uncased WordPiece tokenizer from a ``vocab.txt``.
- :mod:`mmcore.bert.model`: the encoder forward pass (embeddings, LayerNorm, attention, GELU).
- :mod:`mmcore.bert.minilm`: find and load all-MiniLM-L6-v2, sentence embeddings, extraction.
- :mod:`mmcore.bert.heads`: the small extracted file of one layer's heads, and ``minilm_head``.

Only ``heads`` is needed in the browser: the full model (90 MB) stays out of the site.

Examples:
    >>> import mmcore.bert
    >>> head = mmcore.bert.minilm_head(layer=0, head=2, sentence="He drove to the stadium.")
    >>> head.tokens[:3], head.weights().shape
    (('[CLS]', 'he', 'drove'), (8, 8))
"""

from mmcore.bert.heads import AttentionHead, HeadFile, fetch_heads, load_heads, minilm_head

__all__ = ["AttentionHead", "HeadFile", "minilm_head", "load_heads", "fetch_heads"]
