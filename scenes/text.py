"""Small helpers for template captions in English and Korean."""


def a_an(word: str) -> str:
    """'A' or 'An' for an English word."""
    return "An" if word[:1].lower() in "aeiou" else "A"


def has_batchim(word: str) -> bool:
    """Whether a Korean word's last syllable ends in a consonant (decides the particle that follows)."""
    last = word.strip()[-1]
    return "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0


def obj(word: str) -> str:
    """The word with its object particle: 을 after a consonant, 를 after a vowel."""
    return word + ("을" if has_batchim(word) else "를")


def subj(word: str) -> str:
    """The word with its subject particle: 이 after a consonant, 가 after a vowel."""
    return word + ("이" if has_batchim(word) else "가")


def conj(word: str) -> str:
    """The word with 'and': 과 after a consonant, 와 after a vowel."""
    return word + ("과" if has_batchim(word) else "와")
