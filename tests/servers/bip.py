#!/usr/bin/env python3
"""Independent reference server for the Brassica Information Portal (BIP) REST API.

Written only from /work/shared/docs/bip.txt ("bip.txt:NNN" comments cite its lines).
Standard library only.  Usage:

    python3 tests/servers/bip.py [--port 0] [--records N] [--seed S]

First stdout line: ``listening on http://127.0.0.1:PORT``; following lines print the
credentials (API keys to send in the X-BIP-Api-Key header).
"""
import argparse
import datetime as dt
import gzip
import hashlib
import hmac
import json
import random
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

# --------------------------------------------------------------------------------------
# Schema.  Each resource: plural path segment, singular JSON root, writable?, attribute
# table copied from the document.  Flags:
#   q    - `Q` marker: filterable with [query] and searched by [fetch]   (bip.txt:103,127)
#   req  - required on create                                            (bip.txt:205)
#   ro   - readonly: cannot be set on create                             (bip.txt:242)
#   wo   - writeonly: accepted on create, never rendered                 (bip.txt:912,914)
#   srv  - set by the server (entered_by_whom, date_entered)             (bip.txt:239-241)
#   rev  - readonly array of related ids computed from the reverse relation (bip.txt:269-276)
#   emb  - embedded related object computed from an *_id attribute       (bip.txt:39-43)
#   ign  - recognized on input but ignored (PlantTrial.country, see ambiguity notes)
#   pub  - published_on (readonly datetime, null while private)
# --------------------------------------------------------------------------------------

COMMON = """
comments string
entered_by_whom string srv
date_entered date srv
data_owned_by string
data_provenance string
confirmed_by_whom string
"""

SCHEMA_TEXT = {
    # bip.txt:349-355 Country (fetch-only, bip.txt:60-61)
    "countries": ("country", False, """
id int ro,q
country_code string q
country_name string q
plant_trial_ids int[] rev
originating_plant_variety_ids int[] rev
registered_plant_variety_ids int[] rev
"""),
    # bip.txt:367-380 DesignFactor (no published_on row in its table)
    "design_factors": ("design_factor", True, """
id int ro,q
design_factor_name string
institute_id string
trial_location_name string
design_unit_counter string req
""" + COMMON + """
design_factors string[] req
plant_scoring_unit_ids int[] rev
"""),
    # bip.txt:404-422 LinkageGroup
    "linkage_groups": ("linkage_group", True, """
id int ro,q
linkage_group_label string req,q
linkage_group_name string req,q
total_length string q
lod_threshold string q
consensus_group_assignment string req,q
consensus_group_orientation string q
""" + COMMON + """
linkage_map_id int
map_position_ids int[] rev
map_locus_hit_ids int[] rev
qtl_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:446-466 LinkageMap
    "linkage_maps": ("linkage_map", True, """
id int ro,q
linkage_map_label string req,q
linkage_map_name string req,q
map_version_no string req,q
map_version_date date q
mapping_software string
mapping_function string
map_author string
""" + COMMON + """
pubmed_id string
plant_population_id int
linkage_group_ids int[] rev
map_locus_hit_ids int[] rev
qtl_job_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:490-505 MapLocusHit (no entered_by_whom/date_entered rows in its table)
    "map_locus_hits": ("map_locus_hit", True, """
id int ro,q
consensus_group_assignment string req,q
canonical_marker_name string req,q
associated_sequence_id string req,q
sequence_source_acronym string req,q
atg_hit_seq_id string q
atg_hit_seq_source string q
bac_hit_seq_id string q
bac_hit_seq_source string q
bac_hit_name string q
linkage_map_id int
linkage_group_id int
population_locus_id int
map_position_id int
published_on datetime pub
"""),
    # bip.txt:530-543 MapPosition
    "map_positions": ("map_position", True, """
id int ro,q
map_position string req,q
""" + COMMON + """
marker_assay_id int
linkage_group_id int
population_locus_id int
map_locus_hit_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:565-582 MarkerAssay
    "marker_assays": ("marker_assay", True, """
id int ro,q
marker_assay_name string req,q
canonical_marker_name string req,q
marker_type string q
separation_system string q
""" + COMMON + """
probe_id int
primer_a_id int
primer_b_id int
population_locus_ids int[] rev
map_position_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:605-628 PlantAccession (plant_line_id xor plant_variety_id, bip.txt:619-625)
    "plant_accessions": ("plant_accession", True, """
id int ro,q
plant_accession string req,q
plant_accession_derivation string q
accession_originator string q
originating_organisation string req,q
year_produced string q
date_harvested date q
""" + COMMON + """
plant_line_id int
plant_variety_id int
plant_scoring_unit_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:652-675 PlantLine (data_provenance before data_owned_by, as in the table)
    "plant_lines": ("plant_line", True, """
id int ro,q
plant_line_name string req,q
common_name string q
named_by_whom string
organisation string q
genetic_status string q
sequence_identifier string q
previous_line_name string q
comments string
entered_by_whom string srv
date_entered date srv
data_provenance string
data_owned_by string
confirmed_by_whom string
taxonomy_term_id int
plant_variety_id int
plant_variety_name string ro
fathered_descendant_ids int[] rev
mothered_descendant_ids int[] rev
plant_accession_ids int[] rev
plant_population_ids int[] rev
plant_population_list_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:697-709 PlantPart (fetch-only)
    "plant_parts": ("plant_part", False, """
id int ro,q
plant_part string
description string
label string
canonical boolean
described_by_whom string
comments string
entered_by_whom string
date_entered date
data_provenance string
confirmed_by_whom string
trait_descriptor_ids int[] rev
"""),
    # bip.txt:721-746 PlantPopulation (data_owned_by is listed twice; rendered once)
    "plant_populations": ("plant_population", True, """
id int ro,q
name string req,q
data_owned_by string
population_type object emb
description string q
date_established date
established_by_whom string
establishing_organisation string req,q
population_owned_by string
comments string
entered_by_whom string srv
date_entered date srv
data_provenance string
confirmed_by_whom string
taxonomy_term_id int
population_type_id int
male_parent_line_id int
female_parent_line_id int
linkage_map_ids int[] rev
population_locus_ids int[] rev
plant_trial_ids int[] rev
plant_line_ids int[] rev
plant_population_list_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:768-777 PlantPopulationList (its table has no id row; every record has an
    # id anyway, bip.txt:155, and GET /plant_population_lists/1 exists, bip.txt:785)
    "plant_population_lists": ("plant_population_list", True, """
id int ro,q
sort_order string
comments string
entered_by_whom string srv
date_entered date srv
data_provenance string
confirmed_by_whom string
plant_population_id int req
plant_line_id int req
published_on datetime pub
"""),
    # bip.txt:800-817 PlantScoringUnit
    "plant_scoring_units": ("plant_scoring_unit", True, """
id int ro,q
scoring_unit_name string req,q
number_units_scored string q
scoring_unit_sample_size string q
scoring_unit_frame_size string q
date_planted date q
""" + COMMON + """
design_factor_id int
plant_accession_id int req
plant_trial_id int req
trait_score_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:841-870 PlantTrial
    "plant_trials": ("plant_trial", True, """
id int ro,q
plant_trial_name string req,q
project_descriptor string req,q
plant_trial_description string req,q
trial_year string req,q
institute_id string req,q
trial_location_site_name string q
place_name string req
country object emb,ign
latitude string
longitude string
altitude string
terrain string
soil_type string
contact_person string
design_type string
statistical_factors string
design_factors string
""" + COMMON + """
pubmed_id string
plant_population_id int
country_id int
plant_scoring_unit_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:896-917 PlantVariety
    "plant_varieties": ("plant_variety", True, """
id int ro,q
plant_variety_name string req,q
crop_type string q
comments string
entered_by_whom string srv
date_entered date srv
data_provenance string
data_attribution string q
year_registered string q
breeders_variety_code string q
owner string q
quoted_parentage string q
female_parent string q
male_parent string q
countries_of_origin object[] emb
countries_of_origin_ids int[] wo
countries_registered object[] emb
countries_registered_ids int[] wo
plant_accession_ids int[] rev
plant_line_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:939-952 PopulationLocus (no confirmed_by_whom row)
    "population_loci": ("population_locus", True, """
id int ro,q
mapping_locus string req,q
defined_by_whom string q
comments string
entered_by_whom string srv
date_entered date srv
data_owned_by string
data_provenance string
plant_population_id int
marker_assay_id int
map_position_ids int[] rev
map_locus_hit_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:974-979 PopulationType (fetch-only)
    "population_types": ("population_type", False, """
id int ro,q
population_type string
population_class string
assigned_by_whom string
plant_population_ids int[] rev
"""),
    # bip.txt:991-1005 Primer
    "primers": ("primer", True, """
id int ro,q
primer string req,q
sequence string req,q
sequence_id string q
sequence_source_acronym string q
description string q
comments string
entered_by_whom string srv
date_entered date srv
data_owned_by string
data_provenance string
marker_assays_a_ids int[] rev
marker_assays_b_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:1028-1040 Probe (no date_entered row in its table)
    "probes": ("probe", True, """
id int ro,q
probe_name string req,q
clone_name string req,q
sequence_id string req,q
sequence_source_acronym string req,q
date_described date q
comments string
entered_by_whom string srv
data_provenance string
taxonomy_term_id int
marker_assay_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:1065-1088 Qtl
    "qtls": ("qtl", True, """
id int ro,q
qtl_rank string req,q
map_qtl_label string req,q
outer_interval_start string q
outer_interval_end string q
inner_interval_start string q
inner_interval_end string q
qtl_mid_position string req,q
peak_value string q
peak_p_value string q
regression_p string q
residual_p string q
additive_effect string q
genetic_variance_explained string q
comments string
entered_by_whom string srv
date_entered date srv
data_owned_by string
data_provenance string
pubmed_id string
qtl_job_id int
linkage_group_id int
published_on datetime pub
"""),
    # bip.txt:1112-1131 QtlJob
    "qtl_jobs": ("qtl_job", True, """
id int ro,q
qtl_job_name string req,q
qtl_software string req,q
qtl_method string req,q
threshold_specification_method string q
interval_type string q
inner_confidence_threshold string q
outer_confidence_threshold string q
qtl_statistic_type string q
described_by_whom string
date_run date q
comments string
entered_by_whom string srv
date_entered date srv
data_owned_by string
data_provenance string
linkage_map_id int
qtl_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:1155-1163 TaxonomyTerm (fetch-only; taxonomy_term_id absent for roots)
    "taxonomy_terms": ("taxonomy_term", False, """
id int ro,q
label string
name string
taxonomy_term_id int
canonical boolean
plant_line_ids int[] rev
plant_population_ids int[] rev
probe_ids int[] rev
"""),
    # bip.txt:1175-1182 Trait (fetch-only; canonical is typed *string* here)
    "traits": ("trait", False, """
id int ro,q
name string
label string
description string
canonical string
data_provenance string
trait_descriptor_ids int[] rev
"""),
    # bip.txt:1194-1225 TraitDescriptor
    "trait_descriptors": ("trait_descriptor", True, """
id int ro,q
descriptor_label string q
category string
units_of_measurements string req,q
trait_grades object[]
where_to_score string
scoring_method string req,q
when_to_score string
stage_scored string
precautions string
materials string q
instrumentation_required string
controls string
calibrated_against string
likely_ambiguities string
possible_interactions string
score_type string
contact_person string
authorities string
date_method_agreed date
""" + COMMON + """
plant_part_id int
trait_id int req
trait object emb
trait_score_ids int[] rev
published_on datetime pub
"""),
    # bip.txt:1250-1264 TraitScore
    "trait_scores": ("trait_score", True, """
id int ro,q
score_value string req
value_type string
technical_replicate_number string
scoring_date date
""" + COMMON + """
plant_scoring_unit_id int req
trait_descriptor_id int req
published_on datetime pub
"""),
}


class Field:
    __slots__ = ("name", "type", "flags")

    def __init__(self, name, ftype, flags):
        self.name, self.type, self.flags = name, ftype, flags

    @property
    def computed(self):
        return bool(self.flags & {"rev", "emb", "pub"})

    @property
    def writable(self):
        return not (self.flags & {"ro", "rev", "emb", "pub"}) or "ign" in self.flags


class Resource:
    def __init__(self, plural, singular, writable, text):
        self.plural, self.singular, self.writable = plural, singular, writable
        self.fields = []
        seen = set()
        for line in text.strip().splitlines():
            parts = line.split()
            if not parts:
                continue
            name, ftype = parts[0], parts[1]
            flags = set(parts[2].split(",")) if len(parts) > 2 else set()
            if name in seen:
                continue
            seen.add(name)
            self.fields.append(Field(name, ftype, flags))
        self.by_name = {f.name: f for f in self.fields}
        self.q_fields = [f.name for f in self.fields if "q" in f.flags]
        self.required = [f.name for f in self.fields if "req" in f.flags]


RES = {p: Resource(p, s, w, t) for p, (s, w, t) in SCHEMA_TEXT.items()}
SINGULAR = {r.singular: r for r in RES.values()}

# Forward references: (resource, attribute) -> target resource.  Used for create-time
# existence checks (bip.txt:258-268) and for computing the reverse id arrays.
FK = {
    ("linkage_groups", "linkage_map_id"): "linkage_maps",
    ("linkage_maps", "plant_population_id"): "plant_populations",
    ("map_locus_hits", "linkage_map_id"): "linkage_maps",
    ("map_locus_hits", "linkage_group_id"): "linkage_groups",
    ("map_locus_hits", "population_locus_id"): "population_loci",
    ("map_locus_hits", "map_position_id"): "map_positions",
    ("map_positions", "marker_assay_id"): "marker_assays",
    ("map_positions", "linkage_group_id"): "linkage_groups",
    ("map_positions", "population_locus_id"): "population_loci",
    ("marker_assays", "probe_id"): "probes",
    ("marker_assays", "primer_a_id"): "primers",
    ("marker_assays", "primer_b_id"): "primers",
    ("plant_accessions", "plant_line_id"): "plant_lines",
    ("plant_accessions", "plant_variety_id"): "plant_varieties",
    ("plant_lines", "taxonomy_term_id"): "taxonomy_terms",
    ("plant_lines", "plant_variety_id"): "plant_varieties",
    ("plant_populations", "taxonomy_term_id"): "taxonomy_terms",
    ("plant_populations", "population_type_id"): "population_types",
    ("plant_populations", "male_parent_line_id"): "plant_lines",
    ("plant_populations", "female_parent_line_id"): "plant_lines",
    ("plant_population_lists", "plant_population_id"): "plant_populations",
    ("plant_population_lists", "plant_line_id"): "plant_lines",
    ("plant_scoring_units", "design_factor_id"): "design_factors",
    ("plant_scoring_units", "plant_accession_id"): "plant_accessions",
    ("plant_scoring_units", "plant_trial_id"): "plant_trials",
    ("plant_trials", "plant_population_id"): "plant_populations",
    ("plant_trials", "country_id"): "countries",
    ("plant_varieties", "countries_of_origin_ids"): "countries",
    ("plant_varieties", "countries_registered_ids"): "countries",
    ("population_loci", "plant_population_id"): "plant_populations",
    ("population_loci", "marker_assay_id"): "marker_assays",
    ("probes", "taxonomy_term_id"): "taxonomy_terms",
    ("qtls", "qtl_job_id"): "qtl_jobs",
    ("qtls", "linkage_group_id"): "linkage_groups",
    ("qtl_jobs", "linkage_map_id"): "linkage_maps",
    ("taxonomy_terms", "taxonomy_term_id"): "taxonomy_terms",
    ("trait_descriptors", "plant_part_id"): "plant_parts",
    ("trait_descriptors", "trait_id"): "traits",
    ("trait_scores", "plant_scoring_unit_id"): "plant_scoring_units",
    ("trait_scores", "trait_descriptor_id"): "trait_descriptors",
}

# Reverse arrays: (resource, attribute) -> (source resource, source attribute) or a
# ("via", ...) join through PlantPopulationList (bip.txt:674, 745).  Relations are
# symmetric (bip.txt:173-176).
REV = {
    ("countries", "plant_trial_ids"): ("plant_trials", "country_id"),
    ("countries", "originating_plant_variety_ids"): ("plant_varieties", "countries_of_origin_ids"),
    ("countries", "registered_plant_variety_ids"): ("plant_varieties", "countries_registered_ids"),
    ("design_factors", "plant_scoring_unit_ids"): ("plant_scoring_units", "design_factor_id"),
    ("linkage_groups", "map_position_ids"): ("map_positions", "linkage_group_id"),
    ("linkage_groups", "map_locus_hit_ids"): ("map_locus_hits", "linkage_group_id"),
    ("linkage_groups", "qtl_ids"): ("qtls", "linkage_group_id"),
    ("linkage_maps", "linkage_group_ids"): ("linkage_groups", "linkage_map_id"),
    ("linkage_maps", "map_locus_hit_ids"): ("map_locus_hits", "linkage_map_id"),
    ("linkage_maps", "qtl_job_ids"): ("qtl_jobs", "linkage_map_id"),
    ("map_positions", "map_locus_hit_ids"): ("map_locus_hits", "map_position_id"),
    ("marker_assays", "population_locus_ids"): ("population_loci", "marker_assay_id"),
    ("marker_assays", "map_position_ids"): ("map_positions", "marker_assay_id"),
    ("plant_accessions", "plant_scoring_unit_ids"): ("plant_scoring_units", "plant_accession_id"),
    ("plant_lines", "fathered_descendant_ids"): ("plant_populations", "male_parent_line_id"),
    ("plant_lines", "mothered_descendant_ids"): ("plant_populations", "female_parent_line_id"),
    ("plant_lines", "plant_accession_ids"): ("plant_accessions", "plant_line_id"),
    ("plant_lines", "plant_population_list_ids"): ("plant_population_lists", "plant_line_id"),
    ("plant_lines", "plant_population_ids"): ("via", "plant_line_id", "plant_population_id", "plant_populations"),
    ("plant_parts", "trait_descriptor_ids"): ("trait_descriptors", "plant_part_id"),
    ("plant_populations", "linkage_map_ids"): ("linkage_maps", "plant_population_id"),
    ("plant_populations", "population_locus_ids"): ("population_loci", "plant_population_id"),
    ("plant_populations", "plant_trial_ids"): ("plant_trials", "plant_population_id"),
    ("plant_populations", "plant_population_list_ids"): ("plant_population_lists", "plant_population_id"),
    ("plant_populations", "plant_line_ids"): ("via", "plant_population_id", "plant_line_id", "plant_lines"),
    ("plant_scoring_units", "trait_score_ids"): ("trait_scores", "plant_scoring_unit_id"),
    ("plant_trials", "plant_scoring_unit_ids"): ("plant_scoring_units", "plant_trial_id"),
    ("plant_varieties", "plant_accession_ids"): ("plant_accessions", "plant_variety_id"),
    ("plant_varieties", "plant_line_ids"): ("plant_lines", "plant_variety_id"),
    ("population_loci", "map_position_ids"): ("map_positions", "population_locus_id"),
    ("population_loci", "map_locus_hit_ids"): ("map_locus_hits", "population_locus_id"),
    ("population_types", "plant_population_ids"): ("plant_populations", "population_type_id"),
    ("primers", "marker_assays_a_ids"): ("marker_assays", "primer_a_id"),
    ("primers", "marker_assays_b_ids"): ("marker_assays", "primer_b_id"),
    ("probes", "marker_assay_ids"): ("marker_assays", "probe_id"),
    ("qtl_jobs", "qtl_ids"): ("qtls", "qtl_job_id"),
    ("taxonomy_terms", "plant_line_ids"): ("plant_lines", "taxonomy_term_id"),
    ("taxonomy_terms", "plant_population_ids"): ("plant_populations", "taxonomy_term_id"),
    ("taxonomy_terms", "probe_ids"): ("probes", "taxonomy_term_id"),
    ("traits", "trait_descriptor_ids"): ("trait_descriptors", "trait_id"),
    ("trait_descriptors", "trait_score_ids"): ("trait_scores", "trait_descriptor_id"),
}

# Embedded objects (bip.txt:39-43, 48-58): (resource, attribute) ->
# (id attribute, target resource, projected target attributes, many?)
EMB = {
    ("plant_populations", "population_type"): ("population_type_id", "population_types",
                                               ("id", "population_type", "population_class", "assigned_by_whom"), False),
    ("plant_trials", "country"): ("country_id", "countries", ("id", "country_code", "country_name"), False),
    ("plant_varieties", "countries_of_origin"): ("countries_of_origin_ids", "countries",
                                                 ("id", "country_code", "country_name"), True),
    ("plant_varieties", "countries_registered"): ("countries_registered_ids", "countries",
                                                  ("id", "country_code", "country_name"), True),
    ("trait_descriptors", "trait"): ("trait_id", "traits",
                                     ("id", "name", "label", "description", "canonical", "data_provenance"), False),
}

# Extra related attributes searched by [fetch] (bip.txt:128-132, 144-146): attributes
# visible as browse-table columns.  (id attribute, target resource, target attribute)
FETCH_RELATED = {
    "plant_populations": [("taxonomy_term_id", "taxonomy_terms", "name"),
                          ("population_type_id", "population_types", "population_type")],
    "plant_lines": [("taxonomy_term_id", "taxonomy_terms", "name"),
                    ("plant_variety_id", "plant_varieties", "plant_variety_name")],
    "plant_accessions": [("plant_line_id", "plant_lines", "plant_line_name"),
                         ("plant_variety_id", "plant_varieties", "plant_variety_name")],
    "plant_trials": [("plant_population_id", "plant_populations", "name"),
                     ("country_id", "countries", "country_name")],
    "plant_scoring_units": [("plant_accession_id", "plant_accessions", "plant_accession"),
                            ("plant_trial_id", "plant_trials", "plant_trial_name")],
    "plant_population_lists": [("plant_population_id", "plant_populations", "name"),
                               ("plant_line_id", "plant_lines", "plant_line_name")],
    "trait_descriptors": [("trait_id", "traits", "name")],
    "trait_scores": [("trait_descriptor_id", "trait_descriptors", "descriptor_label")],
    "linkage_groups": [("linkage_map_id", "linkage_maps", "linkage_map_name")],
    "linkage_maps": [("plant_population_id", "plant_populations", "name")],
    "map_locus_hits": [("linkage_map_id", "linkage_maps", "linkage_map_name"),
                       ("linkage_group_id", "linkage_groups", "linkage_group_name")],
    "map_positions": [("marker_assay_id", "marker_assays", "marker_assay_name"),
                      ("linkage_group_id", "linkage_groups", "linkage_group_name")],
    "marker_assays": [("probe_id", "probes", "probe_name")],
    "population_loci": [("plant_population_id", "plant_populations", "name"),
                        ("marker_assay_id", "marker_assays", "marker_assay_name")],
    "probes": [("taxonomy_term_id", "taxonomy_terms", "name")],
    "qtls": [("qtl_job_id", "qtl_jobs", "qtl_job_name"),
             ("linkage_group_id", "linkage_groups", "linkage_group_name")],
    "qtl_jobs": [("linkage_map_id", "linkage_maps", "linkage_map_name")],
}
# freedom: resources whose tables mark no textual Q attribute are searched on the textual
# attributes shown in their browse tables.
FETCH_OWN_EXTRA = {
    "design_factors": ["design_factor_name", "institute_id", "trial_location_name"],
    "plant_parts": ["plant_part", "label"],
    "population_types": ["population_type", "population_class"],
    "taxonomy_terms": ["name", "label"],
    "traits": ["name", "label"],
    "trait_scores": ["score_value"],
    "plant_population_lists": ["sort_order"],
}

# Uniqueness stated by the document ("Unique name ...", and the PlantAccession triple,
# bip.txt:625-628).
UNIQUE = {
    "linkage_groups": [("linkage_group_name",)],        # bip.txt:407
    "linkage_maps": [("linkage_map_name",)],            # bip.txt:449
    "marker_assays": [("marker_assay_name",)],          # bip.txt:567
    "plant_accessions": [("plant_accession", "originating_organisation", "year_produced")],  # bip.txt:625-628
    "plant_lines": [("plant_line_name",)],              # bip.txt:654
    "plant_populations": [("name",)],                   # bip.txt:723
    "plant_scoring_units": [("scoring_unit_name",)],    # bip.txt:802
    "plant_trials": [("plant_trial_name",)],            # bip.txt:843
    "population_loci": [("mapping_locus",)],            # bip.txt:941
    "primers": [("primer",)],                           # bip.txt:993
    "probes": [("probe_name",)],                        # bip.txt:1030
    "trait_descriptors": [("descriptor_label",)],       # bip.txt:1196
}

ABSENT = object()  # marker: attribute not present in the rendered record
WEEK = dt.timedelta(days=7)  # bip.txt:313 exactly one week to revoke publication


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def fmt_dt(value):
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (value.microsecond // 1000)


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d",
                "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y")


def parse_date(text):
    """bip.txt:225-228 several date notations are accepted; stored as YYYY-MM-DD."""
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s or len(s) > 64:
        return None
    for f in DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, f).date().isoformat()
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(s).date().isoformat()
    except ValueError:
        return None


# --------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------
class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.data = {p: {} for p in RES}  # plural -> {id: record}
        self.next_id = {}
        self.rng = random.Random(0)

    def visible(self, plural, rec, viewer):
        # bip.txt:72 unpublished resources owned by another user cannot be fetched.
        if not RES[plural].writable:
            return True
        return rec["_pub"] is not None or rec["_owner"] == viewer

    def get_visible(self, plural, rid, viewer):
        rec = self.data[plural].get(rid)
        if rec is None or not self.visible(plural, rec, viewer):
            return None
        return rec

    def new_id(self, plural):
        # freedom: new ids continue above the highest id ever used, with small random gaps
        nid = self.next_id[plural] + self.rng.randint(1, 9)
        self.next_id[plural] = nid
        return nid


class View:
    """Per-request rendering context (viewer-dependent visibility, cached indexes)."""

    def __init__(self, store, viewer):
        self.store, self.viewer = store, viewer
        self.cache = {}

    def vis(self, plural, rid):
        return self.store.get_visible(plural, rid, self.viewer)

    def index(self, src, attr):
        key = (src, attr)
        idx = self.cache.get(key)
        if idx is None:
            idx = {}
            for rid, rec in self.store.data[src].items():
                if not self.store.visible(src, rec, self.viewer):
                    continue
                v = rec.get(attr)
                if isinstance(v, list):
                    for x in v:
                        idx.setdefault(x, []).append(rid)
                elif v is not None and v is not ABSENT:
                    idx.setdefault(v, []).append(rid)
            self.cache[key] = idx
        return idx

    def reverse(self, plural, fname, rid):
        spec = REV[(plural, fname)]
        if spec[0] == "via":
            _, my_attr, other_attr, other_res = spec
            out = set()
            for lid in self.index("plant_population_lists", my_attr).get(rid, ()):
                other = self.store.data["plant_population_lists"][lid].get(other_attr)
                if other is not None and self.vis(other_res, other) is not None:
                    out.add(other)
            ids = list(out)
        else:
            ids = list(self.index(spec[0], spec[1]).get(rid, ()))
        # freedom: related id arrays are listed newest (highest id) first, like the
        # document's own example "trait_score_ids": [98413,98412] (bip.txt:163)
        ids.sort(reverse=True)
        return ids

    def embed(self, plural, fname, rec):
        id_attr, target, proj, many = EMB[(plural, fname)]
        val = rec.get(id_attr)

        def one(tid):
            t = self.store.data[target].get(tid)
            if t is None:
                return None
            obj = {}
            for a in proj:
                v = tid if a == "id" else t.get(a)
                if v is not ABSENT:
                    obj[a] = v
            return obj

        if many:
            return [o for o in (one(x) for x in (val or [])) if o is not None]
        return one(val) if val is not None else None

    def render(self, plural, rid):
        res = RES[plural]
        rec = self.store.data[plural][rid]
        out = {}
        for f in res.fields:
            n = f.name
            if "wo" in f.flags:
                continue  # bip.txt:912 writeonly
            if n == "id":
                out["id"] = rid  # bip.txt:155 every record includes its id
            elif "rev" in f.flags:
                out[n] = self.reverse(plural, n, rid)
            elif "emb" in f.flags:
                out[n] = self.embed(plural, n, rec)
            elif "pub" in f.flags:
                # bip.txt:466 published_on: day and time the data was published
                out[n] = fmt_dt(rec["_pub"]) if rec["_pub"] is not None else None
            else:
                v = rec.get(n)
                if v is ABSENT:
                    continue
                out[n] = v
        return out


# --------------------------------------------------------------------------------------
# Seed data
# --------------------------------------------------------------------------------------
ORGS = ["Rothamsted Research", "John Innes Centre", "Earlham Institute", "University of Nottingham",
        "University of Warwick", "INRA Rennes", "NPZ Innovation", "IPK Gatersleben", "AAFC Saskatoon",
        "Huazhong Agricultural University", "University of York", "University of Leeds"]
PEOPLE = ["Marta Kowalska", "Tom Whitfield", "Lena Okafor", "Rhys Morgan", "Hannah Becker",
          "Wei Zhang", "Priya Raman", "Sam Hollis"]
CURATORS = ["Kaja Nowak", "Graham Reed", "BIP curator"]
PROVENANCE = ["RIPR project", "OREGIN", "CropStoreDB legacy import", "BBSRC ERA-CAPS",
              "Literature curation", "BRIGHT project"]
COMMENTS = ["Data checked against field notebooks.", "Imported from legacy spreadsheet.",
            "Values recalculated in 2016.", "See associated publication for details.",
            "Fictional values derived from RIPR sample data."]
GROUPS = ["A%02d" % i for i in range(1, 11)] + ["C%02d" % i for i in range(1, 10)]
COUNTRIES = [("GBR", "United Kingdom"), ("AUS", "Australia"), ("FRA", "France"), ("DEU", "Germany"),
             ("POL", "Poland"), ("CAN", "Canada"), ("CHN", "China"), ("IND", "India"),
             ("USA", "United States"), ("NLD", "Netherlands"), ("DNK", "Denmark"), ("SWE", "Sweden"),
             ("CZE", "Czech Republic"), ("JPN", "Japan"), ("KOR", "Korea, Republic of"),
             ("ESP", "Spain"), ("ITA", "Italy"), ("IRL", "Ireland"), ("FIN", "Finland"),
             ("HUN", "Hungary"), ("NZL", "New Zealand"), ("CHL", "Chile"), ("PAK", "Pakistan"),
             ("BGD", "Bangladesh")]
TRAITS = ["seed oil content", "seed protein content", "erucic acid content", "oleic acid content",
          "linolenic acid content", "total glucosinolate content", "progoitrin content", "flowering time",
          "days to maturity", "plant height", "thousand seed weight", "seed yield",
          "pod shatter resistance", "silique length", "number of seeds per silique",
          "leaf chlorophyll content", "phoma stem canker resistance", "light leaf spot resistance",
          "clubroot resistance", "Sclerotinia stem rot resistance", "winter hardiness",
          "lodging resistance", "root length", "lateral root density", "leaf area",
          "leaf nitrogen content", "vernalization requirement", "petal colour", "seed colour",
          "anther length", "stem diameter", "branch number", "seed sulphur content",
          "tocopherol content", "sinapine content", "drought tolerance score",
          "nitrogen use efficiency", "harvest index", "biomass at flowering", "seedling vigour"]
VARIETIES = ["Tapidor", "Ningyou 7", "Darmor", "Express", "Westar", "Quantum", "Cabriolet", "Excalibur",
             "Castille", "Recital", "Apex", "Bristol", "Lirajet", "Major", "Samourai", "Victor", "Canberra",
             "Slovenska Kapusta", "Emerald", "Sensation", "Temple", "Zhongshuang 11", "Mendel",
             "Marathon", "Winner", "Capitol", "Alesi", "Pollen", "Coriander", "Vision"]
CROPS = ["winter oilseed rape", "spring oilseed rape", "kale", "swede", "cabbage", "broccoli",
         "turnip", "cauliflower", "Chinese cabbage"]
BREEDERS = ["Limagrain", "DSV", "NPZ", "KWS", "Syngenta", "Elsoms Seeds", "Bayer CropScience",
            "Monsanto", "Euralis"]


class Seeder:
    def __init__(self, store, rng, n, main_user, user2):
        self.s, self.rng, self.n = store, rng, max(1, n)
        self.main, self.user2 = main_user, user2
        self.pool = {p: [] for p in RES}  # ids that other seed records may reference
        self.now = utcnow()
        self.used = {p: set() for p in RES}

    # freedom: ids are sparse, drawn from per-resource ranges, and the document's example
    # ids are always present.
    def ids(self, plural, count, lo, hi, forced=()):
        out = list(dict.fromkeys(forced))
        have = set(out)
        count = max(count, len(out))
        span = hi - lo + 1
        if span < count * 2:
            hi = lo + count * 4
        while len(out) < count:
            x = self.rng.randint(lo, hi)
            if x not in have:
                have.add(x)
                out.append(x)
        self.rng.shuffle(out)
        return out

    def pick(self, plural, allow_none=0.0, exclude=()):
        cands = [x for x in self.pool[plural] if x not in exclude]
        if not cands or self.rng.random() < allow_none:
            return None
        return self.rng.choice(cands)

    def maybe(self, value, p_null=0.2):
        return None if self.rng.random() < p_null else value

    def date(self, y0=2009, y1=2017):
        start = dt.date(y0, 1, 1)
        return (start + dt.timedelta(days=self.rng.randint(0, (y1 - y0 + 1) * 365 - 1))).isoformat()

    def ownership(self, forced=False, special=None):
        """Return (owner, published_on or None, referencable)."""
        r = self.rng.random()
        old = dt.datetime(2014, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
            seconds=self.rng.randint(0, 86400 * 365 * 4))
        recent = self.now - dt.timedelta(seconds=self.rng.randint(600, 3 * 86400))
        if special == "main_recent":
            return self.main, recent, False
        if forced:
            return self.rng.choice(PEOPLE), old, True
        if r < 0.08:
            return self.main, old, True          # own, irrevocable
        if r < 0.12:
            return self.main, recent, False      # own, revocable
        if r < 0.15:
            return self.main, None, False        # own, private
        if r < 0.18:
            return self.user2, old, True
        if r < 0.22:
            return self.rng.choice(PEOPLE), None, False  # somebody else's private record
        return self.rng.choice(PEOPLE), old, True

    def common(self, plural, rec, owner, pub):
        fields = RES[plural].by_name
        date_entered = (pub.date() if pub else dt.date(2017, 6, 1)) - dt.timedelta(days=self.rng.randint(0, 90))
        vals = {
            "comments": self.maybe(self.rng.choice(COMMENTS), 0.5),
            "entered_by_whom": owner,
            "date_entered": date_entered.isoformat(),
            "data_owned_by": self.maybe(self.rng.choice(ORGS), 0.2),
            "data_provenance": self.maybe(self.rng.choice(PROVENANCE), 0.3),
            "confirmed_by_whom": self.maybe(self.rng.choice(CURATORS), 0.4),
        }
        for k, v in vals.items():
            if k in fields and k not in rec:
                rec[k] = v
        # freedom: in about one seed record in ten, optional note attributes are left out
        # of the document altogether rather than rendered as null.
        if self.rng.random() < 0.1:
            for k in ("comments", "confirmed_by_whom"):
                if k in fields and rec.get(k) is None:
                    rec[k] = ABSENT

    def add(self, plural, rid, rec, forced=False, special=None):
        res = RES[plural]
        if res.writable:
            owner, pub, ref = self.ownership(forced, special)
            self.common(plural, rec, owner, pub)
        else:
            owner, pub, ref = None, None, True
        for f in res.fields:
            if not f.computed and f.name != "id" and f.name not in rec:
                rec[f.name] = None if f.type not in ("int[]", "string[]") else []
        rec["_owner"], rec["_pub"] = owner, pub
        self.s.data[plural][rid] = rec
        if ref:
            self.pool[plural].append(rid)

    def uniq(self, plural, base):
        name, k = base, 2
        while name in self.used[plural]:
            name = "%s_%d" % (base, k)
            k += 1
        self.used[plural].add(name)
        return name

    def run(self):
        rng, n = self.rng, self.n
        # bip.txt:349 countries; example ids 2 (bip.txt:363) and 107 (bip.txt:893)
        cids = self.ids("countries", len(COUNTRIES), 1, 260, forced=(107, 2))
        cids.remove(107)
        pairs = list(COUNTRIES)
        self.add("countries", 107, {"country_code": "GBR", "country_name": "United Kingdom"})
        for cid, (code, name) in zip(cids, pairs[1:]):
            self.add("countries", cid, {"country_code": code, "country_name": name})

        # bip.txt:974 population types; id 1 is "DH segregating" (bip.txt:253-254)
        ptypes = [("DH segregating", "Segregating"), ("Integrated", "Mapping"), ("F2 segregating", "Segregating"),
                  ("RIL", "Segregating"), ("Diversity set", "Unstructured"), ("Backcross", "Segregating"),
                  ("Association panel", "Unstructured")]
        pt_ids = [1] + [x for x in self.ids("population_types", 7, 2, 40) if x != 1][:6]
        self.integrated_pt = pt_ids[1]
        for pid, (pt, pc) in zip(pt_ids, ptypes):
            self.add("population_types", pid, {"population_type": pt, "population_class": pc,
                                               "assigned_by_whom": self.maybe(rng.choice(CURATORS), 0.3)})

        # bip.txt:697 plant parts
        parts = [("seed", "PO:0009010"), ("leaf", "PO:0025034"), ("flower", "PO:0009046"), ("stem", "PO:0009047"),
                 ("root", "PO:0009005"), ("silique", None), ("whole plant", "PO:0000003"), ("petal", "PO:0009032"),
                 ("flower bud", None)]
        pp_ids = self.ids("plant_parts", len(parts), 1, 30, forced=(1,))
        for pid, (name, label) in zip(pp_ids, parts):
            self.add("plant_parts", pid, {
                "plant_part": name, "description": "The %s of a Brassica plant used for scoring." % name,
                "label": label, "canonical": label is not None,
                "described_by_whom": self.maybe(rng.choice(CURATORS), 0.3),
                "comments": self.maybe(rng.choice(COMMENTS), 0.6),
                "entered_by_whom": rng.choice(CURATORS), "date_entered": self.date(2014, 2015),
                "data_provenance": self.maybe("Plant Ontology", 0.3),
                "confirmed_by_whom": self.maybe(rng.choice(CURATORS), 0.5)})

        # bip.txt:1155 taxonomy terms; id 5 used in bip.txt:235; roots have no parent
        # (bip.txt:1159 "not present for root terms")
        tax = [("Brassica", None, "NCBITaxon:3705"), ("Brassica napus", 0, "NCBITaxon:3708"),
               ("Brassica oleracea", 0, "NCBITaxon:3712"), ("Brassica rapa", 0, "NCBITaxon:3711"),
               ("Brassica juncea", 0, "NCBITaxon:3707"), ("Brassica nigra", 0, "NCBITaxon:3710"),
               ("Brassica carinata", 0, "NCBITaxon:52824"), ("Brassica oleracea var. capitata", 2, "NCBITaxon:3716"),
               ("Brassica oleracea var. italica", 2, "NCBITaxon:36774"),
               ("Brassica rapa subsp. pekinensis", 3, "NCBITaxon:51351"),
               ("Brassica napus var. napobrassica", 1, None), ("Raphanus", None, "NCBITaxon:3725"),
               ("Raphanus sativus", 11, "NCBITaxon:3726")]
        others = [x for x in self.ids("taxonomy_terms", len(tax), 2, 60) if x not in (1, 5)]
        tids = [1, 5] + others[:len(tax) - 2]
        for i, (name, parent, label) in enumerate(tax):
            rec = {"label": label, "name": name, "canonical": label is not None,
                   "taxonomy_term_id": ABSENT if parent is None else tids[parent]}
            self.add("taxonomy_terms", tids[i], rec)
        self.tax_by_name = {name: tids[i] for i, (name, _, _) in enumerate(tax)}

        # bip.txt:1175 traits; ids 1 (bip.txt:1190) and 1353 (bip.txt:1247)
        tr_ids = self.ids("traits", max(n, 8), 1, 1600, forced=(1, 1353))
        for i, tid in enumerate(tr_ids):
            base = TRAITS[i % len(TRAITS)]
            name = base if i < len(TRAITS) else "%s (%d)" % (base, i // len(TRAITS) + 1)
            label = self.maybe("TO:%07d" % rng.randint(1, 3000), 0.35)
            self.add("traits", tid, {"name": name, "label": label,
                                     "description": "Measurement of %s in Brassica crops." % base,
                                     # bip.txt:1180 canonical is typed string for Trait
                                     "canonical": "true" if label else "false",
                                     "data_provenance": self.maybe(rng.choice(["Trait Ontology", "BIP curation"]), 0.2)})

        # bip.txt:896 plant varieties; Limagrain/1998 (bip.txt:114)
        pv_ids = self.ids("plant_varieties", n, 1, 3000, forced=(1,))
        for i, vid in enumerate(pv_ids):
            vname = self.uniq("plant_varieties", VARIETIES[i % len(VARIETIES)] if i < len(VARIETIES)
                              else "%s %d" % (VARIETIES[i % len(VARIETIES)], i))
            owner = "Limagrain" if i % 7 == 0 else rng.choice(BREEDERS)
            year = "1998" if i % 7 == 0 else str(rng.randint(1975, 2015))
            mother, father = rng.sample(VARIETIES, 2)
            rec = {"plant_variety_name": vname, "crop_type": rng.choice(CROPS),
                   "data_attribution": self.maybe("Breeders' catalogue %s" % year, 0.5),
                   "year_registered": self.maybe(year, 0.1), "breeders_variety_code": self.maybe("%s-%03d" % (owner[:2].upper(), i), 0.4),
                   "owner": owner, "quoted_parentage": self.maybe("%s x %s" % (mother, father), 0.3),
                   "female_parent": self.maybe(mother, 0.4), "male_parent": self.maybe(father, 0.4),
                   "countries_of_origin_ids": sorted(rng.sample(self.pool["countries"], rng.randint(0, 2))),
                   "countries_registered_ids": sorted(rng.sample(self.pool["countries"], rng.randint(0, 3)))}
            self.add("plant_varieties", vid, rec, forced=(vid == 1))

        # bip.txt:652 plant lines; the larger-than-two-pages collection.  Example ids 6
        # (bip.txt:89), 78 (bip.txt:797), 9189 (bip.txt:683), 15523 (bip.txt:649); line
        # name WINFRED (bip.txt:109)
        forced_pl = (6, 78, 9189, 15523, 1)
        pl_ids = self.ids("plant_lines", 3 * n + 11, 1, 26000, forced=forced_pl)
        stems = ["BnaTDH", "DH12075", "Tapidor_DH", "BolTBDH", "R-o-18_S", "A12DHd", "ZS11_DH", "YN-SL",
                 "BnaDY", "SGDH14"]
        statuses = ["doubled haploid", "inbred", "open pollinated", "F1 hybrid", "substitution line",
                    "recombinant inbred"]
        species = ["Brassica napus", "Brassica oleracea", "Brassica rapa", "Brassica juncea",
                   "Brassica oleracea var. capitata", "Brassica rapa subsp. pekinensis"]
        for i, lid in enumerate(pl_ids):
            if lid == 9189:
                name = self.uniq("plant_lines", "WINFRED")
            elif i == 3:
                name = self.uniq("plant_lines", "WINFRED_DH_12")
            else:
                name = self.uniq("plant_lines", "%s-%d" % (rng.choice(stems), rng.randint(1, 400)))
            var = self.pick("plant_varieties", 0.4)
            rec = {"plant_line_name": name, "common_name": self.maybe(name.split("-")[0].replace("_", " "), 0.5),
                   "named_by_whom": self.maybe(rng.choice(PEOPLE), 0.5), "organisation": self.maybe(rng.choice(ORGS), 0.2),
                   "genetic_status": self.maybe(rng.choice(statuses), 0.2),
                   "sequence_identifier": self.maybe("SRR%07d" % rng.randint(100000, 9999999), 0.6),
                   "previous_line_name": self.maybe("%s_old" % name, 0.8),
                   "taxonomy_term_id": self.tax_by_name[rng.choice(species)] if rng.random() > 0.1 else None,
                   "plant_variety_id": var,
                   "plant_variety_name": (self.s.data["plant_varieties"][var]["plant_variety_name"]
                                          if var and rng.random() < 0.5 else None)}
            if lid == 9189:
                rec["taxonomy_term_id"] = self.tax_by_name["Brassica napus"]
                rec["common_name"] = "Winfred"
            self.add("plant_lines", lid, rec, forced=lid in forced_pl)

        # bip.txt:721 plant populations; id 1 = BnaWAIT_01 / Integrated (bip.txt:48-57),
        # id 5 (bip.txt:796), 5555 (bip.txt:323, owned by the API user, still revocable)
        forced_pp = (1, 5)
        pop_ids = self.ids("plant_populations", n, 1, 6000, forced=(1, 5, 5555))
        pstems = ["BnaTNDH", "BolTBDH", "BraRIL", "BnaDY", "BnaSGDH", "BjuDH", "BolAGDH", "BnaZYDH"]
        for i, pid in enumerate(pop_ids):
            if pid == 1:
                name = self.uniq("plant_populations", "BnaWAIT_01")
            else:
                name = self.uniq("plant_populations", "%s_%02d" % (rng.choice(pstems), rng.randint(1, 60)))
            lines = self.pool["plant_lines"]
            tax_name = rng.choice(species)
            rec = {"name": name, "description": self.maybe("%s population derived from a %s cross" % (
                       tax_name, rng.choice(["doubled haploid", "F2", "backcross", "RIL"])), 0.2),
                   "date_established": self.maybe(self.date(1995, 2014), 0.3),
                   "established_by_whom": self.maybe(rng.choice(PEOPLE), 0.4),
                   "establishing_organisation": rng.choice(ORGS),
                   "population_owned_by": self.maybe(rng.choice(ORGS), 0.4),
                   "taxonomy_term_id": self.tax_by_name[tax_name],
                   "population_type_id": self.pick("population_types", 0.1),
                   "male_parent_line_id": self.maybe(rng.choice(lines), 0.3),
                   "female_parent_line_id": self.maybe(rng.choice(lines), 0.3)}
            if pid == 1:
                rec["population_type_id"] = self.integrated_pt
                rec["taxonomy_term_id"] = self.tax_by_name["Brassica napus"]
                rec["description"] = "Brassica napus integrated mapping population (BnaWAIT)"
            if pid == 5555:
                self.add("plant_populations", pid, rec, special="main_recent")
            else:
                self.add("plant_populations", pid, rec, forced=pid in forced_pp)

        # bip.txt:768 plant population lists (join table)
        ppl_ids = self.ids("plant_population_lists", n + n // 2, 1, 9000, forced=(1,))
        for i, lid in enumerate(ppl_ids):
            rec = {"sort_order": self.maybe(str(rng.randint(1, 200)), 0.3),
                   "plant_population_id": self.pick("plant_populations"),
                   "plant_line_id": self.pick("plant_lines")}
            self.add("plant_population_lists", lid, rec, forced=(lid == 1))

        # bip.txt:605 plant accessions; ids 1, 755 (bip.txt:837); line 15523 (bip.txt:649)
        pa_ids = self.ids("plant_accessions", n, 1, 2000, forced=(1, 755))
        for i, aid in enumerate(pa_ids):
            use_line = rng.random() < 0.7
            line = 15523 if i % 9 == 0 else self.pick("plant_lines")
            rec = {"plant_accession": self.uniq("plant_accessions", "%s%04d" % (rng.choice(["BRA", "JIC", "ROT", "NPZ"]), rng.randint(1, 9999))),
                   "plant_accession_derivation": self.maybe(rng.choice(["Field trial multiplication", "Single seed descent", "Gene bank request"]), 0.3),
                   "accession_originator": self.maybe(rng.choice(PEOPLE), 0.3),
                   "originating_organisation": rng.choice(ORGS),
                   "year_produced": self.maybe(str(rng.randint(2000, 2016)), 0.2),
                   "date_harvested": self.maybe(self.date(2000, 2016), 0.4),
                   "plant_line_id": line if use_line else None,
                   "plant_variety_id": None if use_line else self.pick("plant_varieties")}
            if rec["plant_variety_id"] is None and rec["plant_line_id"] is None:
                rec["plant_line_id"] = 15523
            self.add("plant_accessions", aid, rec, forced=aid in (1, 755))

        # bip.txt:841 plant trials; id 1 (bip.txt:838)
        tr_ids2 = self.ids("plant_trials", n, 1, 700, forced=(1,))
        projects = ["RIPR", "OREGIN", "BRIGHT", "ERA-CAPS Brassica", "IWYP Brassica"]
        sites = [("Norwich", "Church Farm", 107), ("Harpenden", "Broadbalk", 107), ("Wellesbourne", "Warwick Crop Centre", 107),
                 ("Rennes", "Le Rheu", None), ("Gatersleben", "IPK field", None), ("Saskatoon", "AAFC Research Farm", None),
                 ("Wuhan", "HZAU experimental station", None)]
        for i, tid in enumerate(tr_ids2):
            place, site, cid = rng.choice(sites)
            if cid is None:
                cid = self.pick("countries")
            year = str(rng.randint(2008, 2017))
            proj = rng.choice(projects)
            rec = {"plant_trial_name": self.uniq("plant_trials", "%s %s %s" % (proj, place, year)),
                   "project_descriptor": proj,
                   "plant_trial_description": "%s field trial at %s scoring agronomic traits." % (proj, site),
                   "trial_year": year, "institute_id": rng.choice(ORGS), "trial_location_site_name": self.maybe(site, 0.2),
                   "place_name": place, "latitude": self.maybe("%.4f" % rng.uniform(30, 60), 0.3),
                   "longitude": self.maybe("%.4f" % rng.uniform(-5, 120), 0.3),
                   "altitude": self.maybe(str(rng.randint(5, 400)), 0.5),
                   "terrain": self.maybe(rng.choice(["open field", "polytunnel", "Venlo glasshouse"]), 0.4),
                   "soil_type": self.maybe(rng.choice(["sandy loam", "clay loam", "silty clay"]), 0.4),
                   "contact_person": self.maybe(rng.choice(PEOPLE), 0.3),
                   "design_type": self.maybe(rng.choice(["randomised complete block", "alpha lattice", "split plot"]), 0.3),
                   "statistical_factors": self.maybe("block, replicate", 0.5),
                   "design_factors": self.maybe("block_rep_plot", 0.5),
                   "pubmed_id": self.maybe(str(rng.randint(20000000, 29999999)), 0.7),
                   "plant_population_id": self.pick("plant_populations", 0.1), "country_id": cid}
            self.add("plant_trials", tid, rec, forced=(tid == 1))

        # bip.txt:367 design factors -- freedom: this collection is seeded empty
        self.s.data["design_factors"] = {}

        # bip.txt:800 plant scoring units; ids 1, 56456 (bip.txt:1284), 84208 (bip.txt:162)
        forced_psu = (1, 56456, 84208)
        psu_ids = self.ids("plant_scoring_units", n, 1, 90000, forced=forced_psu)
        for i, uid in enumerate(psu_ids):
            trial = self.pick("plant_trials")
            rec = {"scoring_unit_name": self.uniq("plant_scoring_units", "plot_%d/%s" % (rng.randint(1, 999), rng.choice(["2012", "2013", "2014", "2015"]))),
                   "number_units_scored": self.maybe(str(rng.randint(1, 30)), 0.3),
                   "scoring_unit_sample_size": self.maybe(str(rng.randint(1, 10)), 0.4),
                   "scoring_unit_frame_size": self.maybe(rng.choice(["1m x 1m", "2m x 6m", "pot"]), 0.4),
                   "date_planted": self.maybe(self.date(2010, 2016), 0.3),
                   "design_factor_id": None, "plant_accession_id": self.pick("plant_accessions"),
                   "plant_trial_id": trial}
            self.add("plant_scoring_units", uid, rec, forced=uid in forced_psu)

        # bip.txt:1194 trait descriptors; ids 1, 2 (bip.txt:1285)
        td_ids = self.ids("trait_descriptors", n, 1, 1500, forced=(1, 2))
        methods = ["Gas Chromatography", "NIRS", "Visual scoring", "HPLC", "Ruler measurement", "Image analysis"]
        units = ["percent total seed fatty acid (%)", "micromoles per gram seed", "days", "cm", "g", "score 1-9", "mm"]
        for i, did in enumerate(td_ids):
            trait = self.pick("traits") or 1
            method = rng.choice(methods)
            grades = None
            if rng.random() < 0.25:
                grades = [{"trait_grade": str(g), "description": d} for g, d in
                          ((1, "very low"), (5, "intermediate"), (9, "very high"))]
            tname = self.s.data["traits"][trait]["name"]
            rec = {"descriptor_label": self.maybe(self.uniq("trait_descriptors", "%s_%s" % (
                       "".join(w[0] for w in tname.split()).upper(), method.split()[0])), 0.15),
                   "category": self.maybe(rng.choice(["seed composition", "phenology", "morphology", "disease resistance", "yield"]), 0.2),
                   "units_of_measurements": rng.choice(units), "trait_grades": grades,
                   "where_to_score": self.maybe(rng.choice(["field", "laboratory", "glasshouse"]), 0.4),
                   "scoring_method": method, "when_to_score": self.maybe(rng.choice(["at harvest", "at flowering", "BBCH 60"]), 0.4),
                   "stage_scored": self.maybe(rng.choice(["mature seed", "rosette", "flowering"]), 0.4),
                   "precautions": self.maybe("Avoid scoring after rain.", 0.7), "materials": self.maybe(rng.choice(["seed", "leaf disc", "whole plant"]), 0.4),
                   "instrumentation_required": self.maybe(rng.choice(["GC-FID", "FOSS NIRSystems", "ruler"]), 0.5),
                   "controls": self.maybe("Tapidor", 0.6), "calibrated_against": self.maybe("reference seed lot", 0.7),
                   "likely_ambiguities": self.maybe("Lodged plants", 0.7), "possible_interactions": self.maybe("Temperature", 0.7),
                   "score_type": self.maybe(rng.choice(["direct", "computed mean"]), 0.4),
                   "contact_person": self.maybe(rng.choice(PEOPLE), 0.5), "authorities": self.maybe(rng.choice(ORGS), 0.6),
                   "date_method_agreed": self.maybe(self.date(2005, 2015), 0.5),
                   "plant_part_id": self.pick("plant_parts", 0.2), "trait_id": trait}
            if did == 2:
                rec["trait_id"] = 1353
            self.add("trait_descriptors", did, rec, forced=did in (1, 2))

        # bip.txt:1250 trait scores; 98412 and 98413 are the only scores of PSU 84208
        # (bip.txt:160-176); id 1 (bip.txt:1272)
        ts_ids = self.ids("trait_scores", 2 * n, 1, 120000, forced=(1, 98412, 98413))
        for i, sid in enumerate(ts_ids):
            psu = 84208 if sid in (98412, 98413) else self.pick("plant_scoring_units", exclude=(84208,))
            if psu is None:
                psu = 1
            rec = {"score_value": "%.2f" % rng.uniform(0, 100) if rng.random() < 0.8 else str(rng.randint(1, 9)),
                   "value_type": self.maybe(rng.choice(["mean", "raw", "percentage"]), 0.4),
                   "technical_replicate_number": self.maybe(str(rng.randint(1, 3)), 0.4),
                   "scoring_date": self.maybe(self.date(2010, 2016), 0.3),
                   "plant_scoring_unit_id": psu, "trait_descriptor_id": self.pick("trait_descriptors") or 1}
            self.add("trait_scores", sid, rec, forced=sid in (1, 98412, 98413))

        # bip.txt:446 linkage maps; map 8 is the only map of population 1 (bip.txt:57)
        lm_ids = self.ids("linkage_maps", n, 1, 200, forced=(1, 8))
        for i, mid in enumerate(lm_ids):
            pop = 1 if mid == 8 else self.pick("plant_populations", 0.1, exclude=(1,))
            pname = self.s.data["plant_populations"][pop]["name"] if pop else "Brassica"
            rec = {"linkage_map_label": "%s_%d" % (pname, rng.randint(2005, 2016)),
                   "linkage_map_name": self.uniq("linkage_maps", "%s map" % pname),
                   "map_version_no": str(rng.randint(1, 4)), "map_version_date": self.maybe(self.date(2005, 2016), 0.3),
                   "mapping_software": self.maybe(rng.choice(["JoinMap 4.0", "MSTMap", "R/qtl", "MapMaker 3.0"]), 0.2),
                   "mapping_function": self.maybe(rng.choice(["Kosambi", "Haldane"]), 0.2),
                   "map_author": self.maybe(rng.choice(PEOPLE), 0.3),
                   "pubmed_id": self.maybe(str(rng.randint(20000000, 29999999)), 0.6), "plant_population_id": pop}
            self.add("linkage_maps", mid, rec, forced=mid in (1, 8))

        lg_ids = self.ids("linkage_groups", n, 1, 2000, forced=(1,))
        for i, gid in enumerate(lg_ids):
            lmap = self.pick("linkage_maps", 0.1)
            grp = rng.choice(GROUPS)
            rec = {"linkage_group_label": grp, "linkage_group_name": self.uniq("linkage_groups", "LG_%s_%d" % (grp, lmap or 0)),
                   "total_length": self.maybe("%.1f" % rng.uniform(40, 180), 0.2), "lod_threshold": self.maybe("%.1f" % rng.uniform(2, 6), 0.4),
                   "consensus_group_assignment": grp,
                   "consensus_group_orientation": self.maybe(rng.choice(["forward", "reverse"]), 0.4),
                   "linkage_map_id": lmap}
            self.add("linkage_groups", gid, rec, forced=(gid == 1))

        pr_ids = self.ids("primers", n, 1, 5000, forced=(1,))
        for i, pid in enumerate(pr_ids):
            rec = {"primer": self.uniq("primers", "pr%d_%s" % (rng.randint(10, 999), rng.choice(["BnA", "BoC", "sN", "Ra"]))),
                   "sequence": "".join(rng.choice("ACGT") for _ in range(rng.randint(18, 24))),
                   "sequence_id": self.maybe("AC%06d" % rng.randint(1, 999999), 0.4),
                   "sequence_source_acronym": self.maybe(rng.choice(["NCBI", "EMBL", "DDBJ"]), 0.4),
                   "description": self.maybe("SSR flanking primer", 0.5)}
            self.add("primers", pid, rec, forced=(pid == 1))

        pb_ids = self.ids("probes", n, 1, 4000, forced=(1,))
        for i, bid in enumerate(pb_ids):
            name = self.uniq("probes", "p%s%d" % (rng.choice(["W", "N", "O", "X"]), rng.randint(100, 999)))
            rec = {"probe_name": name, "clone_name": name + rng.choice(["", "-GSS", "-EST"]),
                   "sequence_id": str(rng.randint(10000000, 99999999)),
                   "sequence_source_acronym": rng.choice(["NCBI_GSS", "NCBI_EST"]),
                   "date_described": self.maybe(self.date(1990, 2010), 0.4),
                   "taxonomy_term_id": self.maybe(self.tax_by_name[rng.choice(species)], 0.2)}
            self.add("probes", bid, rec, forced=(bid == 1))

        ma_ids = self.ids("marker_assays", n, 1, 8000, forced=(1,))
        for i, aid in enumerate(ma_ids):
            probe = self.pick("probes", 0.4)
            canon = self.s.data["probes"][probe]["probe_name"].upper() if probe else "Ol%02d-%s" % (rng.randint(1, 99), rng.choice("ABCDE"))
            sep = rng.choice(["agarose gel", "capillary electrophoresis", "Illumina Infinium", "polyacrylamide gel"])
            rec = {"marker_assay_name": self.uniq("marker_assays", "%s_%s" % (canon, sep.split()[0][:4])),
                   "canonical_marker_name": canon, "marker_type": self.maybe(rng.choice(["RFLP", "SSR", "SNP", "AFLP"]), 0.2),
                   "separation_system": self.maybe(sep, 0.2), "probe_id": probe,
                   "primer_a_id": self.pick("primers", 0.5), "primer_b_id": self.pick("primers", 0.5)}
            self.add("marker_assays", aid, rec, forced=(aid == 1))

        pl_ids2 = self.ids("population_loci", n, 1, 7000, forced=(1,))
        for i, lid in enumerate(pl_ids2):
            rec = {"mapping_locus": self.uniq("population_loci", "%s.%d" % (rng.choice(GROUPS), rng.randint(100, 999))),
                   "defined_by_whom": self.maybe(rng.choice(PEOPLE), 0.3),
                   "plant_population_id": self.pick("plant_populations", 0.2),
                   "marker_assay_id": self.pick("marker_assays", 0.2)}
            self.add("population_loci", lid, rec, forced=(lid == 1))

        mp_ids = self.ids("map_positions", n, 1, 9000, forced=(1,))
        for i, mid in enumerate(mp_ids):
            rec = {"map_position": "%.1f" % rng.uniform(0, 180), "marker_assay_id": self.pick("marker_assays", 0.2),
                   "linkage_group_id": self.pick("linkage_groups", 0.1), "population_locus_id": self.pick("population_loci", 0.2)}
            self.add("map_positions", mid, rec, forced=(mid == 1))

        mlh_ids = self.ids("map_locus_hits", n, 1, 9000, forced=(1,))
        for i, hid in enumerate(mlh_ids):
            grp = rng.choice(GROUPS)
            rec = {"consensus_group_assignment": grp,
                   "canonical_marker_name": "P%s%d" % (rng.choice("WNOX"), rng.randint(100, 999)),
                   "associated_sequence_id": str(rng.randint(1, 99999999)),
                   "sequence_source_acronym": rng.choice(["NCBI_GSS", "NCBI_EST", "BRAD"]),
                   "atg_hit_seq_id": self.maybe("AT%dG%05d" % (rng.randint(1, 5), rng.randint(1, 80000)), 0.3),
                   "atg_hit_seq_source": self.maybe("e!ensembl", 0.3),
                   "bac_hit_seq_id": self.maybe("AC%06d" % rng.randint(1, 999999), 0.5),
                   "bac_hit_seq_source": self.maybe("NCBI", 0.5),
                   "bac_hit_name": self.maybe("JBnB%03dM%02d" % (rng.randint(1, 200), rng.randint(1, 24)), 0.5),
                   "linkage_map_id": self.pick("linkage_maps", 0.2), "linkage_group_id": self.pick("linkage_groups", 0.2),
                   "population_locus_id": self.pick("population_loci", 0.3), "map_position_id": self.pick("map_positions", 0.3)}
            self.add("map_locus_hits", hid, rec, forced=(hid == 1))

        qj_ids = self.ids("qtl_jobs", n, 1, 1200, forced=(1,))
        for i, jid in enumerate(qj_ids):
            rec = {"qtl_job_name": "QTL run %d" % (i + 1),
                   "qtl_software": rng.choice(["QTL Cartographer", "MapQTL 6", "R/qtl", "PLABQTL"]),
                   "qtl_method": rng.choice(["Composite interval mapping", "Interval mapping", "Marker regression"]),
                   "threshold_specification_method": self.maybe("permutation test (1000)", 0.3),
                   "interval_type": self.maybe(rng.choice(["LOD-1", "LOD-2"]), 0.3),
                   "inner_confidence_threshold": self.maybe("95%", 0.4), "outer_confidence_threshold": self.maybe("99%", 0.4),
                   "qtl_statistic_type": self.maybe("LOD", 0.3), "described_by_whom": self.maybe(rng.choice(PEOPLE), 0.4),
                   "date_run": self.maybe(self.date(2008, 2016), 0.3), "linkage_map_id": self.pick("linkage_maps", 0.2)}
            self.add("qtl_jobs", jid, rec, forced=(jid == 1))

        q_ids = self.ids("qtls", n, 1, 6000, forced=(1,))
        for i, qid in enumerate(q_ids):
            mid = rng.uniform(5, 150)
            rec = {"qtl_rank": str(rng.randint(1, 12)),
                   "map_qtl_label": "%s-%s-%s" % (rng.choice(["Mg", "Oil", "Ft", "Gsl", "Ph"]), rng.choice("fm"), rng.choice(["mr", "ci", "im"])),
                   "outer_interval_start": self.maybe("%.2f" % (mid - 8), 0.2), "outer_interval_end": self.maybe("%.2f" % (mid + 8), 0.2),
                   "inner_interval_start": self.maybe("%.2f" % (mid - 3), 0.3), "inner_interval_end": self.maybe("%.2f" % (mid + 3), 0.3),
                   "qtl_mid_position": "%.2f" % mid, "peak_value": self.maybe("%.2f" % rng.uniform(2, 20), 0.2),
                   "peak_p_value": self.maybe("%.4f" % rng.uniform(0, 0.05), 0.5),
                   "regression_p": self.maybe("%.4f" % rng.uniform(0, 0.05), 0.6),
                   "residual_p": self.maybe("%.4f" % rng.uniform(0, 0.05), 0.6),
                   "additive_effect": self.maybe("%.3f" % rng.uniform(-2, 2), 0.3),
                   "genetic_variance_explained": self.maybe("%.1f" % rng.uniform(1, 40), 0.3),
                   "pubmed_id": self.maybe(str(rng.randint(20000000, 29999999)), 0.6),
                   "qtl_job_id": self.pick("qtl_jobs", 0.1), "linkage_group_id": self.pick("linkage_groups", 0.1)}
            self.add("qtls", qid, rec, forced=(qid == 1))

        for p in RES:
            self.s.next_id[p] = max(self.s.data[p].keys(), default=0) + 10


# --------------------------------------------------------------------------------------
# Request handling
# --------------------------------------------------------------------------------------
ROUTE = re.compile(r"^/api/v1/([a-z_]+)(?:/([^/]+)(?:/([^/]+))?)?/?$")
MAX_BODY = 2 * 1024 * 1024
NOT_FOUND = {"reason": "Resource not found"}                                      # bip.txt:332
MISMATCH = {"reason": "API key owner and resource owner mismatch"}                # bip.txt:335
IRREVOCABLE = {"reason": "This resource is already published and irrevocable"}   # bip.txt:338

HTML_404 = ("<!DOCTYPE html><html><head><title>The page you were looking for doesn't exist (404)</title>"
            "</head><body><h1>404 Not Found</h1><p>The page you were looking for doesn't exist.</p>"
            "</body></html>")


class ApiError(Exception):
    def __init__(self, status, body):
        self.status, self.body = status, body


def as_positive_int(text, default):
    """Pagination numbers: freedom - unparsable or < 1 falls back to the default."""
    if text is None:
        return default
    t = text.strip()
    if not re.fullmatch(r"\+?\d{1,1000}", t):
        return default
    v = int(t)
    return v if v >= 1 else default


class App:
    def __init__(self, store, users):
        self.store = store
        self.users = users  # api key -> user name

    # bip.txt:5-7 X-BIP-Api-Key header in each call
    def authenticate(self, headers):
        key = headers.get("X-BIP-Api-Key")
        if key is None:
            return None
        key = key.strip()
        for k, user in self.users.items():
            if hmac.compare_digest(k.encode(), key.encode("utf-8", "replace")):
                return user
        return None

    # ---------------------------------------------------------------- list
    def list(self, plural, params, viewer):
        res = RES[plural]
        store = self.store
        view = View(store, viewer)
        pmap = {}
        multi = {}
        for k, v in params:
            pmap[k] = v
            multi.setdefault(k, []).append(v)

        # bip.txt:74-75 page default 1; per_page default 50, max 200
        page = as_positive_int(pmap.get("page"), 1)
        per_page = min(as_positive_int(pmap.get("per_page"), 50), 200)

        # bip.txt:103-104 resource_name[query][attribute] filters (Q attributes only)
        prefix = res.singular + "[query]["
        filters = {}
        for k, vals in multi.items():
            if not k.startswith(prefix):
                continue
            rest = k[len(prefix):]
            m = re.fullmatch(r"([A-Za-z0-9_]+)\](\[\])?", rest)
            if not m:
                continue
            attr = m.group(1)
            if attr != "id" and attr not in res.q_fields:
                continue  # freedom: attributes without the Q marker are not filterable; ignored
            filters.setdefault(attr, []).extend(vals)
        # bip.txt:133 resource_name[fetch]
        term = pmap.get(res.singular + "[fetch]")
        if term is not None:
            term = term.strip().lower()
            if term == "":
                term = None
        # bip.txt:116-123 only_mine
        only_mine = (pmap.get("only_mine") or "").strip().lower() in ("true", "1", "yes")

        items = []
        for rid, rec in store.data[plural].items():
            if not store.visible(plural, rec, viewer):
                continue
            if only_mine and rec.get("_owner") != viewer:
                continue
            if filters and not all(self.match_query(res, rid, rec, a, vs) for a, vs in filters.items()):
                continue
            if term is not None and not self.match_fetch(view, plural, rid, rec, term):
                continue
            items.append(rid)

        if filters or term is not None or only_mine:
            # bip.txt:148-150 search results are ordered by internal id
            items.sort()
        else:
            # freedom: unfiltered listings are in descending id order (newest first); the
            # document states no order for plain listings (cf. bip.txt:87-89)
            items.sort(reverse=True)
        total = len(items)
        start = (page - 1) * per_page
        chunk = items[start:start + per_page] if start < total else []
        body = {res.plural: [view.render(plural, rid) for rid in chunk],
                # bip.txt:76-78, 94-98 meta
                "meta": {"page": page, "per_page": per_page, "total_count": total}}
        return body, page

    @staticmethod
    def match_query(res, rid, rec, attr, values):
        f = res.by_name[attr]
        actual = rid if attr == "id" else rec.get(attr)
        if actual is None or actual is ABSENT:
            return False
        for v in values:
            if f.type == "int":
                if re.fullmatch(r"\s*[+-]?\d{1,30}\s*", v) and int(v) == actual:
                    return True
            elif f.type == "date":
                norm = parse_date(v)
                if (norm or v) == actual:
                    return True
            else:
                if v == actual:
                    return True
        return False

    def match_fetch(self, view, plural, rid, rec, term):
        res = RES[plural]
        names = [a for a in res.q_fields if a != "id"] + FETCH_OWN_EXTRA.get(plural, [])
        for a in names:
            v = rec.get(a)
            if isinstance(v, str) and term in v.lower():
                return True
        for id_attr, target, tattr in FETCH_RELATED.get(plural, []):
            tid = rec.get(id_attr)
            if tid is None:
                continue
            t = view.vis(target, tid)
            if t is not None:
                v = t.get(tattr)
                if isinstance(v, str) and term in v.lower():
                    return True
        return False

    # ---------------------------------------------------------------- show
    def show(self, plural, rid, viewer):
        rec = self.store.get_visible(plural, rid, viewer) if rid is not None else None
        if rec is None:
            raise ApiError(404, NOT_FOUND)
        return {RES[plural].singular: View(self.store, viewer).render(plural, rid)}

    # ---------------------------------------------------------------- create
    def create(self, plural, raw, viewer):
        res = RES[plural]
        try:
            text = raw.decode("utf-8")
            doc = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            # freedom: malformed JSON -> 400 with a reason body (the document gives none)
            raise ApiError(400, {"reason": "Malformed JSON request body"})
        # bip.txt:199-202 root element named after the resource type
        if not isinstance(doc, dict) or res.singular not in doc:
            raise ApiError(422, {"errors": [{"attribute": res.singular, "message": "Can't be blank"}]})
        attrs = doc[res.singular]
        if not isinstance(attrs, dict):
            raise ApiError(422, {"errors": [{"attribute": res.singular, "message": "Must be a JSON object"}]})

        errors = []
        values = {}
        published = True  # bip.txt:295 submitted data becomes public by default
        for key, val in attrs.items():
            if key == "published":
                # bip.txt:301-305 "published": false keeps data private
                if isinstance(val, bool):
                    published = val
                else:
                    errors.append({"attribute": key, "message": "Must be true or false"})
                continue
            f = res.by_name.get(key)
            if f is None:
                # bip.txt:208-210, 217 unrecognized attribute
                errors.append({"attribute": key, "message": "Unrecognized attribute name"})
                continue
            if "srv" in f.flags:
                continue  # bip.txt:239-241 always set by the server; any supplied value is replaced
            if not f.writable:
                # bip.txt:242-257 readonly attributes cannot be directly set
                errors.append({"attribute": key, "message": "Readonly attribute cannot be set"})
                continue
            if "ign" in f.flags:
                # PlantTrial.country (bip.txt:850) is not marked readonly; accepted but the
                # related country is set through country_id (bip.txt:247-248)
                if val is not None and not isinstance(val, dict):
                    errors.append({"attribute": key, "message": "Must be an object"})
                continue
            ok, norm, msg = self.coerce(f, val)
            if not ok:
                errors.append({"attribute": key, "message": msg})
                continue
            values[key] = norm

        # bip.txt:205-207, 214 required attributes
        for name in res.required:
            v = values.get(name)
            if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, list) and not v):
                if not any(e["attribute"] == name for e in errors):
                    errors.append({"attribute": name, "message": "Can't be blank"})
        if plural == "plant_accessions":
            # bip.txt:619-625 plant_line_id or plant_variety_id, never both
            has_l = values.get("plant_line_id") is not None
            has_v = values.get("plant_variety_id") is not None
            if not has_l and not has_v and not any(e["attribute"] in ("plant_line_id", "plant_variety_id") for e in errors):
                errors.append({"attribute": "plant_line_id", "message": "Can't be blank"})
                errors.append({"attribute": "plant_variety_id", "message": "Can't be blank"})
            elif has_l and has_v:
                errors.append({"attribute": "plant_variety_id",
                               "message": "Only one of plant_line_id and plant_variety_id may be provided"})

        # bip.txt:258-268 related identifiers must exist
        if not errors:
            for name, v in values.items():
                target = FK.get((plural, name))
                if target is None or v is None:
                    continue
                for tid in (v if isinstance(v, list) else [v]):
                    if self.store.get_visible(target, tid, viewer) is None:
                        errors.append({"attribute": name,
                                       "message": 'DETAIL: Key (%s)=(%s) is not present in table "%s".' % (name, tid, target)})
                        break
        # uniqueness stated by the document
        if not errors:
            for combo in UNIQUE.get(plural, []):
                mine = tuple(values.get(a) for a in combo)
                if len(combo) == 1 and mine[0] is None:
                    continue
                for rec in self.store.data[plural].values():
                    if tuple(None if rec.get(a) is ABSENT else rec.get(a) for a in combo) == mine:
                        errors.append({"attribute": combo[0], "message": "has already been taken"})
                        break
        if errors:
            raise ApiError(422, {"errors": errors})

        rid = self.store.new_id(plural)
        rec = {}
        for f in res.fields:
            if f.computed or f.name == "id":
                continue
            if f.type in ("int[]", "string[]") and "wo" in f.flags:
                rec[f.name] = values.get(f.name) or []
            else:
                rec[f.name] = values.get(f.name)
        now = utcnow()
        if "entered_by_whom" in res.by_name:
            rec["entered_by_whom"] = viewer          # bip.txt:240
        if "date_entered" in res.by_name:
            rec["date_entered"] = now.date().isoformat()  # bip.txt:241
        rec["_owner"] = viewer
        rec["_pub"] = now if published else None
        self.store.data[plural][rid] = rec
        # bip.txt:277-292 201 Created with the record including its new id
        return rid, {res.singular: View(self.store, viewer).render(plural, rid)}

    @staticmethod
    def coerce(f, val):
        t = f.type
        if val is None:
            return True, None, None
        if t == "string":
            # bip.txt:218-222 textual attributes are quoted strings
            if isinstance(val, str):
                return True, val, None
            return False, None, "Must be a string"
        if t == "int":
            # bip.txt:223-224 int attributes are passed without quotes
            if isinstance(val, int) and not isinstance(val, bool):
                return True, val, None
            return False, None, "Must be an integer"
        if t == "date":
            d = parse_date(val) if isinstance(val, str) else None
            if d is None:
                return False, None, "Is not a valid date"
            return True, d, None
        if t == "string[]":
            if isinstance(val, list) and all(isinstance(x, str) for x in val):
                return True, list(val), None
            return False, None, "Must be an array of strings"
        if t == "int[]":
            if isinstance(val, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in val):
                return True, list(dict.fromkeys(val)), None
            return False, None, "Must be an array of integers"
        if t == "object[]":
            if isinstance(val, list) and all(isinstance(x, dict) for x in val):
                return True, val, None
            return False, None, "Must be an array of objects"
        if t == "object":
            if isinstance(val, dict):
                return True, val, None
            return False, None, "Must be an object"
        if t == "boolean":
            if isinstance(val, bool):
                return True, val, None
            return False, None, "Must be true or false"
        return False, None, "Invalid value"

    # ---------------------------------------------------------------- ownership checks
    def owned(self, plural, rid, viewer):
        rec = self.store.get_visible(plural, rid, viewer) if rid is not None else None
        if rec is None:
            raise ApiError(404, NOT_FOUND)                 # bip.txt:331-332
        if rec["_owner"] != viewer:
            raise ApiError(401, MISMATCH)                  # bip.txt:334-335
        return rec

    @staticmethod
    def irrevocable(rec):
        # bip.txt:313 one week after publishing, publication is permanent
        return rec["_pub"] is not None and utcnow() - rec["_pub"] >= WEEK

    # bip.txt:320-341 delete
    def delete(self, plural, rid, viewer):
        rec = self.owned(plural, rid, viewer)
        if self.irrevocable(rec):
            raise ApiError(403, IRREVOCABLE)               # bip.txt:337-338
        del self.store.data[plural][rid]
        # freedom: references held by other records are cleared (set to null / removed)
        for (src, attr), target in FK.items():
            if target != plural:
                continue
            for other in self.store.data[src].values():
                v = other.get(attr)
                if isinstance(v, list):
                    if rid in v:
                        other[attr] = [x for x in v if x != rid]
                elif v == rid:
                    other[attr] = None

    # bip.txt:307-312 publish
    def publish(self, plural, rid, viewer):
        rec = self.owned(plural, rid, viewer)
        if rec["_pub"] is None:
            rec["_pub"] = utcnow()
        # freedom: publishing an already published record is a no-op (its revocation
        # window is not restarted); answer 200 with the record
        return {RES[plural].singular: View(self.store, viewer).render(plural, rid)}

    # bip.txt:313-319 revoke
    def revoke(self, plural, rid, viewer):
        rec = self.owned(plural, rid, viewer)
        if self.irrevocable(rec):
            raise ApiError(403, IRREVOCABLE)
        rec["_pub"] = None  # bip.txt:319 no longer shown to other users; data kept
        return {RES[plural].singular: View(self.store, viewer).render(plural, rid)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BIP-Reference/1.0"  # freedom: extra Server header
    sys_version = ""
    app = None

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_OPTIONS(self):
        self.dispatch("OPTIONS")

    # ---------------------------------------------------------------- io
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    raise ApiError(400, {"reason": "Malformed chunked body"})
                if size == 0:
                    while True:
                        trailer = self.rfile.readline(65537)
                        if not trailer or trailer in (b"\r\n", b"\n"):
                            break
                    break
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise ApiError(413, {"reason": "Request body too large"})
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise ApiError(400, {"reason": "Invalid Content-Length"})
        if n < 0:
            self.close_connection = True
            raise ApiError(400, {"reason": "Invalid Content-Length"})
        if n > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, {"reason": "Request body too large"})
        return self.rfile.read(n)

    def wants_gzip(self):
        ae = self.headers.get("Accept-Encoding") or ""
        for part in ae.split(","):
            bits = [b.strip() for b in part.split(";")]
            if bits[0].lower() in ("gzip", "x-gzip", "*"):
                q = 1.0
                for b in bits[1:]:
                    if b.lower().startswith("q="):
                        try:
                            q = float(b[2:])
                        except ValueError:
                            q = 1.0
                if q > 0:
                    return True
        return False

    def send(self, status, body=None, ctype=None, headers=None):
        data = b""
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                # bip.txt:46 Content-Type: application/json; charset=utf-8
                ctype = ctype or "application/json; charset=utf-8"
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = body
        self.send_response(status)
        # freedom: extra undocumented headers
        self.send_header("X-Request-Id", uuid.uuid4().hex)
        self.send_header("X-Runtime", "%.6f" % (time.monotonic() - self._t0))
        if status != 204 and status != 304:
            if data and self.wants_gzip():
                # freedom: gzip when the client accepts it
                data = gzip.compress(data, 6)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304) and data:
            self.wfile.write(data)

    # ---------------------------------------------------------------- routing
    def dispatch(self, method):
        self._t0 = time.monotonic()
        try:
            self.route(method)
        except ApiError as e:
            self.send(e.status, e.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # never a 5xx for client input; last-resort 400
            self.close_connection = True
            try:
                self.send(400, {"reason": "Bad request"})
            except Exception:
                pass

    def route(self, method):
        app = self.app
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        params = parse_qsl(parts.query, keep_blank_values=True)
        body = self.read_body()  # always drained so keep-alive connections stay in sync
        m = ROUTE.match(path)
        if not m or m.group(1) not in RES:
            # freedom: unknown paths get an HTML 404 page
            self.send(404, HTML_404, "text/html; charset=utf-8")
            return
        plural, seg_id, action = m.group(1), m.group(2), m.group(3)
        res = RES[plural]
        if action is not None and (action not in ("publish", "revoke") or not res.writable):
            self.send(404, HTML_404, "text/html; charset=utf-8")
            return
        if action is not None:
            allowed = ["PATCH"]                       # bip.txt:309, 315
        elif seg_id is not None:
            allowed = ["GET", "HEAD"] + (["DELETE"] if res.writable else [])   # bip.txt:67, 323
        else:
            allowed = ["GET", "HEAD"] + (["POST"] if res.writable else [])     # bip.txt:73, 199
        if method not in allowed:
            # freedom: 405 with an Allow header for methods the document does not describe
            self.send(405, {"reason": "Method not allowed"}, headers={"Allow": ", ".join(allowed)})
            return
        viewer = app.authenticate(self.headers)
        if viewer is None:
            # bip.txt:4-7 the API key authenticates every call; refused with 401 and a
            # reason body in the style of bip.txt:335
            self.send(401, {"reason": "Invalid or missing API key"})
            return
        rid = None
        if seg_id is not None:
            if re.fullmatch(r"\d{1,18}", seg_id):
                rid = int(seg_id)
            # a non-numeric id matches nothing -> 404 below
        store = app.store
        if method in ("GET", "HEAD") and seg_id is None:
            with store.lock:
                out, page = app.list(plural, params, viewer)
            if page % 2 == 0:
                time.sleep(0.03)  # freedom: small delay on even-numbered list pages
            self.send(200, out)
            return
        with store.lock:
            if method in ("GET", "HEAD"):
                out = app.show(plural, rid, viewer)
                self.send(200, out)
            elif method == "POST":
                new_id, out = app.create(plural, body, viewer)
                self.send(201, out, headers={"Location": "/api/v1/%s/%d" % (plural, new_id)})
            elif method == "DELETE":
                app.delete(plural, rid, viewer)
                self.send(204)                        # bip.txt:340-341
            elif method == "PATCH":
                fn = app.publish if action == "publish" else app.revoke
                self.send(200, fn(plural, rid, viewer))


def main(argv=None):
    ap = argparse.ArgumentParser(description="BIP API reference server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    main_user, user2 = "ada.kale", "ben.swede"
    key1 = hashlib.sha256(("bip-reference:%s:%d" % (main_user, args.seed)).encode()).hexdigest()
    key2 = hashlib.sha256(("bip-reference:%s:%d" % (user2, args.seed)).encode()).hexdigest()
    store = Store()
    store.rng = random.Random(args.seed * 7919 + 17)
    Seeder(store, random.Random(args.seed), args.records, main_user, user2).run()
    Handler.app = App(store, {key1: main_user, key2: user2})

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    print("listening on http://127.0.0.1:%d" % port)
    print("api-key: %s" % key1)
    print("api-key-header: X-BIP-Api-Key")
    print("username: %s" % main_user)
    print("api-key-2: %s" % key2)
    print("username-2: %s" % user2)
    sys.stdout.flush()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
