"""A small random-initialised BERT classifier for the distillation tests (nothing downloaded)."""

import torch


def tiny_bert(num_labels: int, vocab_size: int, *, layers: int = 2, hidden: int = 32, seed: int = 0):
    """A small random-initialised BERT classifier (tests and smoke runs; nothing downloaded)."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden * 2,
        max_position_embeddings=128,
    )
    cfg.num_labels = num_labels  # a PretrainedConfig property (the typed BertConfig signature omits it)
    return BertForSequenceClassification(cfg)
