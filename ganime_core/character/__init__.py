"""Character colour memory: colour a new page from a coloured picture of the same character.

``create_character`` makes a :class:`CharacterFile` from a coloured picture (``save_character`` /
``load_character``: one versioned, validated file); ``colorize_with_character`` colours new line
art with its colours: the page's closed regions are matched to the character's parts
(``align`` + ``match``) and the confident matches given to the colour network as dense hints.
No Qt; torch only through the colorizer.
"""

from .apply import (
           THRESHOLD,
           CharacterColouring,
           as_character,
           colorize_with_character,
           create_character,
)
from .file import SUFFIX, CharacterFile, CharacterFileError, load_character, save_character

__all__ = ["SUFFIX", "THRESHOLD", "CharacterColouring", "as_character", "CharacterFile", "CharacterFileError",
           "colorize_with_character", "create_character", "load_character", "save_character"]
