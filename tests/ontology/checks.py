"""Quality checks for the ontology, the concept schemes and the terms the KB and shapes use.

Each check is a small function that takes an rdflib graph (or an iterable of triples) and
returns a list of human-readable problems, empty when all is well. The tests run the same
functions on the real files and on small bad graphs, so a check that silently stopped
reporting would be caught.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

CKB = "https://w3id.org/clusterkb/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/clusterkb/ontology")
VOCAB = "https://w3id.org/clusterkb/vocab/"
VANN = "http://purl.org/vocab/vann/"

#: RDF syntaxes the guard reads, by file suffix.
RDF_FORMATS = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}

#: Types that declare a term of the ontology; every such term must be documented.
DECLARATION_TYPES = (
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
)

#: Statements the ontology header must carry.
HEADER_PROPERTIES = (
    OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license,
    DCTERMS.creator, DCTERMS.created, DCTERMS.modified,
    URIRef(VANN + "preferredNamespacePrefix"), URIRef(VANN + "preferredNamespaceUri"),
)


def rdf_files(*roots: Path) -> list[Path]:
    """All RDF files under the given directories, sorted, so new files are picked up unasked."""
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += [p for p in root.rglob("*") if p.suffix in RDF_FORMATS and p.is_file()]
    return sorted(found)


def load(path: Path) -> Dataset:
    """Parse one file into a Dataset, so quad formats keep their named graphs."""
    ds = Dataset()
    try:
        ds.parse(path, format=RDF_FORMATS[path.suffix])
    except Exception as exc:  # rdflib raises many types; all mean "does not parse"
        raise ValueError(f"{path} does not parse: {exc}") from exc
    return ds


def all_triples(ds: Dataset) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of every graph of a dataset, the default graph included."""
    for s, p, o, _ in ds.quads((None, None, None, None)):
        yield s, p, o


def _english(values: Iterable[Node]) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language == "en"]


def declared_terms(graph: Graph, namespace: str = CKB) -> set[URIRef]:
    """IRIs in ``namespace`` that the graph types: a typed term counts as declared."""
    return {
        s for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(namespace)
    }


def term_problems(graph: Graph, namespace: str = CKB) -> list[str]:
    """Declared terms without an English label, an English definition or rdfs:isDefinedBy.

    Every typed term of our namespace is checked, not only those typed with one of
    DECLARATION_TYPES: an individual or datatype declared there needs documenting just the same.
    """
    problems: list[str] = []
    for term in sorted(declared_terms(graph, namespace)):
        labels = _english(graph.objects(term, RDFS.label))
        if len(labels) != 1:
            problems.append(f"{term}: needs exactly one English rdfs:label, has {len(labels)}")
        if not _english(graph.objects(term, SKOS.definition)):
            problems.append(f"{term}: has no English skos:definition")
        if (term, RDFS.isDefinedBy, None) not in graph:
            problems.append(f"{term}: has no rdfs:isDefinedBy")
    return problems


def header_problems(graph: Graph, ontology: URIRef = ONTOLOGY_IRI) -> list[str]:
    """Missing statements of the ontology header."""
    if (ontology, RDF.type, OWL.Ontology) not in graph:
        return [f"{ontology} is not declared an owl:Ontology"]
    return [
        f"ontology header lacks {prop}" for prop in HEADER_PROPERTIES
        if (ontology, prop, None) not in graph
    ]


def concept_problems(graph: Graph) -> list[str]:
    """SKOS concepts that are not well placed in exactly one scheme, or not documented."""
    problems: list[str] = []
    for concept in sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str):
        schemes = set(graph.objects(concept, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{concept}: must be skos:inScheme exactly one scheme, "
                            f"is in {len(schemes)}")
        labels = _english(graph.objects(concept, SKOS.prefLabel))
        if len(labels) != 1:
            problems.append(f"{concept}: needs exactly one English skos:prefLabel, "
                            f"has {len(labels)}")
        notes = list(graph.objects(concept, SKOS.definition))
        notes += list(graph.objects(concept, SKOS.scopeNote))
        if not _english(notes):
            problems.append(f"{concept}: has no English skos:definition or skos:scopeNote")
        if len(schemes) != 1:
            continue
        (scheme,) = schemes
        if not str(concept).startswith(f"{scheme}/"):
            problems.append(f"{concept}: IRI does not start with its scheme IRI {scheme}/")
        if (scheme, RDF.type, SKOS.ConceptScheme) not in graph:
            problems.append(f"{concept}: its scheme {scheme} is not a skos:ConceptScheme")
        is_top = (concept, SKOS.topConceptOf, scheme) in graph
        broader_here = [
            b for b in graph.objects(concept, SKOS.broader)
            if (b, SKOS.inScheme, scheme) in graph
        ]
        if not is_top and not broader_here:
            problems.append(f"{concept}: is neither skos:topConceptOf {scheme} nor has a "
                            "skos:broader concept in that scheme")
        if is_top and (scheme, SKOS.hasTopConcept, concept) not in graph:
            problems.append(f"{concept}: is a top concept but {scheme} lacks skos:hasTopConcept")
    return problems


def scheme_problems(graph: Graph) -> list[str]:
    """Concept schemes without the metadata every scheme carries."""
    required = (DCTERMS.title, DCTERMS.description, SKOS.prefLabel)
    problems: list[str] = []
    for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        for prop in required:
            if not _english(graph.objects(scheme, prop)):
                problems.append(f"{scheme}: has no English {prop}")
        if (scheme, RDFS.isDefinedBy, ONTOLOGY_IRI) not in graph:
            problems.append(f"{scheme}: lacks rdfs:isDefinedBy {ONTOLOGY_IRI}")
        if (scheme, SKOS.hasTopConcept, None) not in graph:
            problems.append(f"{scheme}: has no skos:hasTopConcept")
    return problems


def iris_used(triples: Iterable[tuple[Node, Node, Node]]) -> set[URIRef]:
    """Every IRI in any position of the triples, including the datatypes of literals."""
    used: set[URIRef] = set()
    for triple in triples:
        for node in triple:
            if isinstance(node, URIRef):
                used.add(node)
            elif isinstance(node, Literal) and node.datatype is not None:
                used.add(node.datatype)
    return used


def undeclared_ontology_terms(
    triples: Iterable[tuple[Node, Node, Node]], declared: set[URIRef], namespace: str = CKB,
) -> list[URIRef]:
    """IRIs of our ontology namespace used in the triples but not declared in the ontology."""
    return sorted(
        iri for iri in iris_used(triples)
        if str(iri).startswith(namespace) and iri not in declared
    )


def declared_concepts(graph: Graph) -> set[URIRef]:
    """Concepts and concept schemes of our vocabulary namespace declared in the graph."""
    return {
        s for t in (SKOS.Concept, SKOS.ConceptScheme) for s in graph.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(VOCAB)
    }


def undeclared_concepts(
    triples: Iterable[tuple[Node, Node, Node]], declared: set[URIRef],
) -> list[URIRef]:
    """IRIs under our vocabulary base that are neither a declared concept nor a scheme.

    The vocabulary root itself (``{base}vocab/``) names the collection of schemes and is allowed.
    """
    return sorted(
        iri for iri in iris_used(triples)
        if str(iri).startswith(VOCAB) and str(iri) != VOCAB and iri not in declared
    )


# --- modelling pitfalls (issue 18.3) ---------------------------------------------------------

SKOS_EDITORIAL = SKOS.editorialNote

#: Domains and ranges of the borrowed properties a ckb: property may specialise, from their
#: own specifications (W3C ORG, DCMI Terms, schema.org, PROV-O). A sub-property inherits them,
#: so our own domain and range must lie inside: ``org:classification`` has range skos:Concept;
#: ``schema:hasCredential`` ranges over educational credentials, which no award is. ``None``:
#: the specification leaves it open.
BORROWED = {
    URIRef("http://www.w3.org/ns/org#classification"):
        (URIRef("http://www.w3.org/ns/org#Organization"), SKOS.Concept),
    URIRef("http://www.w3.org/ns/org#purpose"): (URIRef("http://www.w3.org/ns/org#Organization"),
                                                None),
    URIRef("http://www.w3.org/ns/org#memberOf"):
        (URIRef("http://xmlns.com/foaf/0.1/Agent"), URIRef("http://www.w3.org/ns/org#Organization")),
    DCTERMS.spatial: (None, DCTERMS.Location),
    URIRef("https://schema.org/hasCredential"):
        (URIRef("https://schema.org/Person"),
         URIRef("https://schema.org/EducationalOccupationalCredential")),
}

#: Borrowed properties whose meaning contradicts every use we have for them, and why.
MISREAD = {
    DCTERMS.subject: "the topic a resource is about, not what kind of thing it is or works in "
                     "(use org:classification or org:purpose)",
}

#: Class inclusions of the borrowed vocabularies that the checks need (from their specifications).
BORROWED_SUBCLASSES = {
    (URIRef("http://www.w3.org/ns/org#FormalOrganization"), URIRef("http://www.w3.org/ns/org#Organization")),
    (URIRef("http://www.w3.org/ns/org#OrganizationalCollaboration"), URIRef("http://www.w3.org/ns/org#Organization")),
    (URIRef("http://www.w3.org/ns/org#Organization"), URIRef("http://xmlns.com/foaf/0.1/Agent")),
    (URIRef("http://xmlns.com/foaf/0.1/Person"), URIRef("http://xmlns.com/foaf/0.1/Agent")),
    (URIRef("http://xmlns.com/foaf/0.1/Organization"), URIRef("http://xmlns.com/foaf/0.1/Agent")),
}

_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)


def _properties(graph: Graph) -> list[URIRef]:
    return sorted({p for t in _PROPERTY_TYPES for p in graph.subjects(RDF.type, t)
                   if isinstance(p, URIRef) and str(p).startswith(CKB)})


def _notes(graph: Graph, term: URIRef) -> str:
    return " ".join(str(n) for n in graph.objects(term, SKOS_EDITORIAL)).lower()


def is_subclass(graph: Graph, sub: Node, sup: Node) -> bool:
    """``sub`` is ``sup`` or below it, by the graph's rdfs:subClassOf and BORROWED_SUBCLASSES."""
    seen, todo = set(), [sub]
    while todo:
        cls = todo.pop()
        if cls == sup:
            return True
        if cls in seen:
            continue
        seen.add(cls)
        todo += list(graph.objects(cls, RDFS.subClassOf))
        todo += [b for a, b in BORROWED_SUBCLASSES if a == cls]
    return False


def domain_range_problems(graph: Graph) -> list[str]:
    """Properties of ours without an rdfs:domain or rdfs:range and no editorial note saying why."""
    problems = []
    for prop in _properties(graph):
        for axis, word in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            if (prop, axis, None) not in graph and word not in _notes(graph, prop):
                problems.append(f"{prop}: has no rdfs:{word} and no skos:editorialNote saying why")
    return problems


def borrowed_superproperty_problems(graph: Graph) -> list[str]:
    """Sub-properties of a borrowed term whose domain or range falls outside the term's."""
    problems = []
    for prop in _properties(graph):
        for sup in graph.objects(prop, RDFS.subPropertyOf):
            if sup in MISREAD:
                problems.append(f"{prop}: is a sub-property of {sup}, which means {MISREAD[sup]}")
                continue
            if sup not in BORROWED:
                if not str(sup).startswith(CKB):
                    problems.append(f"{prop}: is a sub-property of {sup}, whose domain and range "
                                    "the checks do not know (add it to BORROWED)")
                continue
            for axis, bound in zip((RDFS.domain, RDFS.range), BORROWED[sup], strict=True):
                if bound is None:
                    continue
                for ours in graph.objects(prop, axis):
                    if not is_subclass(graph, ours, bound):
                        word = "domain" if axis == RDFS.domain else "range"
                        problems.append(f"{prop}: its {word} {ours} is not within the {word} "
                                        f"{bound} of its super-property {sup}")
    return problems


def symmetry_problems(graph: Graph) -> list[str]:
    """Sub-properties of a symmetric property of ours that are not symmetric themselves."""
    symmetric = set(graph.subjects(RDF.type, OWL.SymmetricProperty))
    return [
        f"{prop}: is a sub-property of the symmetric {sup} but is not owl:SymmetricProperty"
        for prop in _properties(graph) for sup in graph.objects(prop, RDFS.subPropertyOf)
        if sup in symmetric and prop not in symmetric
    ]


def inverse_problems(graph: Graph) -> list[str]:
    """Object properties between our own classes with no inverse and no documented path back.

    The store does no reasoning, so a query that needs the other direction (the holder of an
    award, the cluster of a count) must know to write ``^ckb:property``.
    """
    problems = []
    for prop in sorted(set(graph.subjects(RDF.type, OWL.ObjectProperty))):
        if not isinstance(prop, URIRef) or not str(prop).startswith(CKB):
            continue
        ranges = [r for r in graph.objects(prop, RDFS.range) if str(r).startswith(CKB)]
        if not ranges or (prop, RDF.type, OWL.SymmetricProperty) in graph:
            continue
        if (prop, OWL.inverseOf, None) in graph or (None, OWL.inverseOf, prop) in graph:
            continue
        local = str(prop)[len(CKB):].lower()
        if f"^ckb:{local}" not in _notes(graph, prop):
            problems.append(f"{prop}: has no owl:inverseOf and no skos:editorialNote with the "
                            f"path ^ckb:{str(prop)[len(CKB):]}")
    return problems


def range_use_problems(ontology: Graph, data: Graph) -> list[str]:
    """Uses of a ckb: object property whose object is typed, but with no type within its range.

    (``ckb:featuredOrganisation`` pointing to a foaf:Person, say.)
    """
    problems = []
    for prop in _properties(ontology):
        ranges = list(ontology.objects(prop, RDFS.range))
        if not ranges or (prop, RDF.type, OWL.ObjectProperty) not in ontology:
            continue
        for s, o in data.subject_objects(prop):
            types = list(data.objects(o, RDF.type))
            if types and not any(is_subclass(ontology, t, r) for t in types for r in ranges):
                problems.append(f"{s} {prop} {o}: {o} is typed "
                                f"{', '.join(sorted(map(str, types)))}, not within the range "
                                f"{', '.join(sorted(map(str, ranges)))}")
    return problems


# --- labels in the languages of the sources (issue 18.4) -------------------------------------

SOURCE_LANGUAGES = ("ro", "hu")
PLACE_LANGUAGES = ("en", "ro", "hu")
SCHEMA = "https://schema.org/"
PLACE_TYPES = (URIRef(SCHEMA + "Place"), URIRef(SCHEMA + "City"),
               URIRef(SCHEMA + "AdministrativeArea"))
#: Romanian writes s and t with a comma below (ș, ț); the cedilla forms (ş, ţ) are a legacy
#: encoding that breaks search and sorting.
CEDILLA = {"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"}


def _languages(graph: Graph, node: Node, prop: URIRef) -> list[str | None]:
    return [o.language for o in graph.objects(node, prop) if isinstance(o, Literal)]


def concept_label_problems(vocabularies: Graph, data: Graph) -> list[str]:
    """Concepts the data uses that lack one skos:prefLabel in each language of the sources."""
    used = sorted({o for o in data.objects() if isinstance(o, URIRef)
                   and (o, RDF.type, SKOS.Concept) in vocabularies})
    problems = []
    for concept in used:
        languages = _languages(vocabularies, concept, SKOS.prefLabel)
        for lang in SOURCE_LANGUAGES:
            if languages.count(lang) != 1:
                problems.append(f"{concept}: needs one skos:prefLabel in @{lang}, "
                                f"has {languages.count(lang)}")
    return problems


def place_label_problems(data: Graph) -> list[str]:
    """Places without an rdfs:label in English, Romanian and Hungarian."""
    places = sorted({s for t in PLACE_TYPES for s in data.subjects(RDF.type, t)}, key=str)
    return [f"{place}: has no rdfs:label in @{lang}" for place in places
            for lang in PLACE_LANGUAGES if lang not in _languages(data, place, RDFS.label)]


def romanian_spelling_problems(graph: Graph) -> list[str]:
    """Romanian literals written with cedilla ş/ţ instead of comma-below ș/ț."""
    return sorted(
        f"{s}: {o!r} uses {ch} (write {CEDILLA[ch]})"
        for s, _, o in graph if isinstance(o, Literal) and o.language == "ro"
        for ch in CEDILLA if ch in str(o)
    )
