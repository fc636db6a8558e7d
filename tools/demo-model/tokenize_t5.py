"""What transformers' T5Tokenizer does for the pipeline, for our plain captions (no special tokens in them):
lower().strip(), SentencePiece ids, at most max_length - 1 of them, </s> (1), <pad> (0) up to max_length."""
import sentencepiece as spm


class Tokenizer:
    def __init__(self, model_path, max_length):
        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.n_pieces = self.sp.get_piece_size()
        self.max_length = max_length

    def vocab_size(self):
        """Rows of the text encoder's embedding: the pieces, rounded up to a multiple of 8."""
        return (self.n_pieces + 7) // 8 * 8

    def encode(self, text):
        ids = self.sp.encode(text.lower().strip())[:self.max_length - 1] + [1]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        return ids + [0] * (self.max_length - len(ids)), mask
