from digest.summarize import split_sentences


def test_titles_and_initials_do_not_end_sentences():
    text = "Mr. Smith met Dr. Jones. Vladimir V. Putin spoke later."
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones.",
        "Vladimir V. Putin spoke later.",
    ]


def test_dotted_abbreviations_end_a_sentence_only_before_a_sentence_start():
    text = "The U.S. Senate agreed. He moved to the U.S. The end came."
    assert split_sentences(text) == [
        "The U.S. Senate agreed.",
        "He moved to the U.S.",
        "The end came.",
    ]


def test_company_suffix_inside_a_sentence_is_kept():
    assert split_sentences("Apple Inc. said profits rose. Shares fell.") == [
        "Apple Inc. said profits rose.",
        "Shares fell.",
    ]


def test_sentence_ending_inside_quotes():
    assert split_sentences('He said "No." Then he left.') == ['He said "No."', "Then he left."]


def test_decimals_are_not_boundaries():
    assert split_sentences("Growth was 3.5% in 2004. It slowed.") == [
        "Growth was 3.5% in 2004.",
        "It slowed.",
    ]


def test_glued_paragraphs_are_split():
    assert split_sentences("end of the story.Next one starts here.") == [
        "end of the story.",
        "Next one starts here.",
    ]


def test_newlines_are_paragraph_breaks():
    assert split_sentences("A headline without a stop\n\nThe body begins.") == [
        "A headline without a stop",
        "The body begins.",
    ]


def test_empty_and_blank_text_give_no_sentences():
    assert split_sentences("") == []
    assert split_sentences("  \n\n ") == []


def test_question_and_exclamation_marks_end_sentences():
    assert split_sentences("Was it late? Yes! It was.") == ["Was it late?", "Yes!", "It was."]
