//! Every row of impc_images.txt and the key it describes, as read by a person: the
//! alignment must find each of them, whatever the order of rows and keys.
//!
//! Reads the document from `../shared/docs`, or from `$ASSAY_DOCS` when set.

use super::*;

/// (key of the example, description of the table).
const EXPECTED: [(&str, &str); 107] = [
    ("id", "The unique identifier for the experiment."),
    (
        "observation_id",
        "The observation ID associated with this experiment.",
    ),
    ("specimen_id", "The specimen ID related to this experiment."),
    (
        "phenotyping_center_id",
        "The ID of the phenotyping center where the experiment was conducted.",
    ),
    ("phenotyping_center", "The name of the phenotyping center."),
    (
        "production_center_id",
        "The ID of the production center related to the specimen.",
    ),
    ("production_center", "The name of the production center."),
    (
        "specimen_project_id",
        "The project ID associated with the specimen.",
    ),
    (
        "specimen_project_name",
        "The name of the project associated with the specimen.",
    ),
    (
        "gene_accession_id",
        "The accession ID for the gene of interest.",
    ),
    (
        "gene_symbol",
        "The symbol representing the gene of interest.",
    ),
    (
        "allele_accession_id",
        "The accession ID for the allele of interest.",
    ),
    ("allele_symbol", "The symbol for the allele of interest."),
    ("zygosity", "The zygosity of the specimen."),
    ("sex", "The sex of the specimen."),
    (
        "biological_model_id",
        "The ID of the biological model used.",
    ),
    ("biological_sample_id", "The ID of the biological sample."),
    (
        "biological_sample_group",
        "The group classification of the biological sample.",
    ),
    ("strain_accession_id", "The accession ID for the strain."),
    ("strain_name", "The name of the strain."),
    (
        "genetic_background",
        "The genetic background of the specimen.",
    ),
    (
        "allelic_composition",
        "The allelic composition of the specimen.",
    ),
    (
        "colony_id",
        "The ID of the colony from which the specimen originates.",
    ),
    (
        "litter_id",
        "The ID of the litter from which the specimen originates.",
    ),
    ("date_of_birth", "The date of birth of the specimen."),
    (
        "external_sample_id",
        "An external identifier for the sample.",
    ),
    ("life_stage_name", "The life stage of the specimen."),
    (
        "life_stage_acc",
        "The accession number associated with the life stage.",
    ),
    ("datasource_id", "The ID of the data source."),
    ("datasource_name", "The name of the data source."),
    ("project_id", "The project ID."),
    ("project_name", "The name of the project."),
    ("pipeline_id", "The pipeline ID."),
    ("pipeline_name", "The name of the pipeline."),
    ("pipeline_stable_id", "The stable ID of the pipeline."),
    ("procedure_id", "The procedure ID."),
    ("procedure_name", "The name of the procedure."),
    ("procedure_stable_id", "The stable ID of the procedure."),
    ("procedure_group", "The procedure group."),
    ("parameter_id", "The parameter ID."),
    ("parameter_name", "The name of the parameter."),
    ("parameter_stable_id", "The stable ID of the parameter."),
    ("procedure_sequence_id", "The procedure sequence ID."),
    ("experiment_id", "The experiment ID."),
    ("observation_type", "The type of observation."),
    ("data_type", "The type of data."),
    ("experiment_source_id", "The source ID of the experiment."),
    (
        "date_of_experiment",
        "The date the experiment was conducted.",
    ),
    (
        "weight_parameter_stable_id",
        "The stable ID for the weight parameter.",
    ),
    ("weight_date", "The date of the weight measurement."),
    (
        "weight_days_old",
        "The age of the specimen in days at the time of the weight measurement.",
    ),
    ("weight", "The weight of the specimen."),
    ("data_point", "A data point associated with the experiment."),
    ("order_index", "The order index."),
    ("dimension", "The dimension of the data point."),
    (
        "time_point",
        "The time point at which the data was collected.",
    ),
    ("discrete_point", "A discrete data point."),
    ("category", "The category of the data."),
    ("raw_category", "The raw category of the data."),
    ("metadata", "Metadata associated with the experiment."),
    ("metadata_group", "The group of the metadata."),
    ("mp_id", "The MP IDs associated with the experiment."),
    ("mp_term", "The MP terms associated with the experiment."),
    (
        "top_level_mp_id",
        "The top-level MP (Mouse Phenotype) IDs associated with the experiment.",
    ),
    (
        "top_level_mp_term",
        "The top-level MP terms associated with the experiment.",
    ),
    (
        "intermediate_mp_id",
        "The intermediate MP IDs associated with the experiment.",
    ),
    (
        "intermediate_mp_term",
        "The intermediate MP terms associated with the experiment.",
    ),
    ("anatomy_id", "The anatomy IDs related to the experiment."),
    (
        "anatomy_term",
        "The anatomy terms related to the experiment.",
    ),
    (
        "anatomy_id_term",
        "Combined anatomy ID and term related to the experiment.",
    ),
    ("anatomy_term_synonym", "Synonyms for the anatomy terms."),
    (
        "top_level_anatomy_id",
        "Top-level anatomy IDs related to the experiment.",
    ),
    (
        "top_level_anatomy_term",
        "Top-level anatomy terms related to the experiment.",
    ),
    (
        "top_level_anatomy_term_synonym",
        "Synonyms for the top-level anatomy terms.",
    ),
    (
        "selected_top_level_anatomy_id",
        "Selected top-level anatomy IDs.",
    ),
    (
        "selected_top_level_anatomy_term",
        "Selected top-level anatomy terms.",
    ),
    (
        "selected_top_level_anatomy_term_synonym",
        "Synonyms for the selected top-level anatomy terms.",
    ),
    ("intermediate_anatomy_id", "Intermediate anatomy IDs."),
    ("intermediate_anatomy_term", "Intermediate anatomy terms."),
    (
        "intermediate_anatomy_term_synonym",
        "Synonyms for the intermediate anatomy terms.",
    ),
    ("parent_anatomy_id", "Parent anatomy IDs."),
    ("parent_anatomy_term", "Parent anatomy terms."),
    (
        "parent_anatomy_term_synonym",
        "Synonyms for the parent anatomy terms.",
    ),
    ("child_anatomy_id", "Child anatomy IDs."),
    ("child_anatomy_term", "Child anatomy terms."),
    (
        "child_anatomy_term_synonym",
        "Synonyms for the child anatomy terms.",
    ),
    (
        "download_file_path",
        "Path to download the file associated with the experiment.",
    ),
    (
        "image_link",
        "Link to the image associated with the experiment.",
    ),
    ("file_type", "The type of file."),
    (
        "parameter_association_stable_id",
        "Stable IDs for the parameter associations.",
    ),
    (
        "parameter_association_sequence_id",
        "Sequence IDs for the parameter associations.",
    ),
    (
        "parameter_association_dim_id",
        "Dimension IDs for the parameter associations.",
    ),
    (
        "parameter_association_name",
        "Names of the parameter associations.",
    ),
    (
        "parameter_association_value",
        "Values of the parameter associations.",
    ),
    (
        "developmental_stage_acc",
        "Accession number for the developmental stage.",
    ),
    (
        "developmental_stage_name",
        "Name of the developmental stage.",
    ),
    ("text_value", "Text value associated with the experiment."),
    ("sub_term_id", "Sub-term IDs related to the experiment."),
    ("sub_term_name", "Sub-term names related to the experiment."),
    ("sub_term_description", "Descriptions of the sub-terms."),
    ("sequence_id", "The sequence ID related to the experiment."),
    ("age_in_days", "Age of the specimen in days."),
    ("age_in_weeks", "Age of the specimen in weeks."),
    (
        "download_url",
        "URL to download data or resources associated with the experiment.",
    ),
    ("jpeg_url", "URL to a JPEG image related to the experiment."),
    (
        "thumbnail_url",
        "URL to a thumbnail image related to the experiment.",
    ),
    ("omero_id", "OMERO database ID for the image."),
];

fn extracted() -> Extracted {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/docs/impc_images.txt"
    );
    let dir =
        std::env::var("ASSAY_DOCS").map_or(path.to_string(), |d| format!("{d}/impc_images.txt"));
    let text = std::fs::read_to_string(&dir)
        .unwrap_or_else(|e| panic!("cannot read {dir} (set ASSAY_DOCS): {e}"));
    extract(&Doc::new("impc_images.txt", &text)).unwrap()
}

#[test]
fn every_row_is_aligned_to_its_key() {
    let x = extracted();
    let r = &x.resources[0];
    assert_eq!(r.name, "impc_images");
    assert_eq!(r.description, "", "some rows or keys are left unmatched");
    assert_eq!(r.fields.len(), EXPECTED.len());
    let mut wrong = Vec::new();
    for (key, description) in EXPECTED {
        let f = r.field(key).unwrap_or_else(|| panic!("no field `{key}`"));
        if f.description != description {
            wrong.push(format!(
                "`{key}`: got \"{}\" ({}), expected \"{description}\"",
                f.description, f.doc
            ));
        }
    }
    assert!(wrong.is_empty(), "misaligned:\n{}", wrong.join("\n"));
}

/// The alignment reads meaning, not position: reversing either list changes
/// nothing.
#[test]
fn alignment_does_not_depend_on_order() {
    let descriptions: Vec<&str> = EXPECTED.iter().map(|(_, d)| *d).collect();
    let mut keys: Vec<&str> = EXPECTED.iter().map(|(k, _)| *k).collect();
    keys.reverse();
    let got = align(&descriptions, &keys);
    for (i, (key, _)) in EXPECTED.iter().enumerate() {
        assert_eq!(got[i].map(|j| keys[j]), Some(*key), "{}", descriptions[i]);
    }
}

#[test]
fn types_come_from_the_example() {
    let x = extracted();
    let r = &x.resources[0];
    let ty = |k: &str| r.field(k).unwrap().ty.to_string();
    assert_eq!(ty("id"), "string");
    // One whole-number sample does not make a field integral.
    assert_eq!(ty("phenotyping_center_id"), "number");
    assert_eq!(ty("weight"), "number");
    assert_eq!(ty("mp_id"), "string[]");
    let f = r.field("omero_id").unwrap();
    assert_eq!(f.doc.to_string(), "impc_images.txt:298");
    assert_eq!(
        f.type_doc.as_ref().unwrap().to_string(),
        "impc_images.txt:437"
    );
    assert_eq!(x.examples.len(), 1);
    assert_eq!(x.examples[0].shape, Some(Shape::Item("impc_images".into())));
}
