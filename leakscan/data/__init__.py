"""Data files shipped with leakscan (the Traditional-Chinese jieba dictionary)."""
